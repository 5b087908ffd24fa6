package io.edgekv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.edgekv.api.v1.BatchGetRequest;
import io.edgekv.api.v1.DeleteRequest;
import io.edgekv.api.v1.GetRequest;
import io.edgekv.api.v1.IncrementRequest;
import io.edgekv.api.v1.KvServiceGrpc;
import io.edgekv.api.v1.PutRequest;
import io.edgekv.api.v1.ScanRequest;
import io.edgekv.api.v1.TouchRequest;
import io.edgekv.api.v1.TxnRequest;
import io.edgekv.client.auth.ClientCredentials;
import io.edgekv.internal.v1.InternalServiceGrpc;
import io.edgekv.internal.v1.RepairRequest;
import io.edgekv.internal.v1.ReplicateRequest;
import io.edgekv.node.testing.FuzzInputs;
import io.edgekv.node.testing.MiniKvCluster;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the request decoders and validation of a real secure node over real sockets:
 * mutated and random bytes sent as the requests of the public port's KvService (with a root
 * token) and of the internal port's Replicate and Repair (with the node's own certificate). Bytes
 * that are a request get an answer or a clean refusal (never INTERNAL, UNKNOWN or a hang past the
 * deadline); bytes that are not one are refused by gRPC's decoder (UNKNOWN, before EdgeKV code
 * runs); the node keeps serving. Seeds:
 * {@code src/test/resources/fuzz/requests.txtpb}.
 */
class RequestDecodersFuzzTest {
  /** Statuses that say the node failed rather than answered: an unexpected exception, a hang. */
  private static final Set<Status.Code> UNCLEAN = EnumSet.of(Status.Code.INTERNAL, Status.Code.UNKNOWN,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.DATA_LOSS, Status.Code.UNIMPLEMENTED);
  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** A method of either port: its full name, an instance of its request type and the channel it is called on. */
  private record Target(String fullName, Message prototype, boolean internal) {}

  private static final Map<String, Target> TARGETS = new LinkedHashMap<>();

  static {
    kv("Put", PutRequest.getDefaultInstance());
    kv("Get", GetRequest.getDefaultInstance());
    kv("BatchGet", BatchGetRequest.getDefaultInstance());
    kv("Delete", DeleteRequest.getDefaultInstance());
    kv("Touch", TouchRequest.getDefaultInstance());
    kv("Increment", IncrementRequest.getDefaultInstance());
    kv("Txn", TxnRequest.getDefaultInstance());
    kv("Scan", ScanRequest.getDefaultInstance());
    TARGETS.put("Replicate", new Target(InternalServiceGrpc.SERVICE_NAME + "/Replicate", ReplicateRequest.getDefaultInstance(), true));
    TARGETS.put("Repair", new Target(InternalServiceGrpc.SERVICE_NAME + "/Repair", RepairRequest.getDefaultInstance(), true));
  }

  private static void kv(String method, Message prototype) {
    TARGETS.put(method, new Target(KvServiceGrpc.SERVICE_NAME + "/" + method, prototype, false));
  }

  private record Case(String method, byte[] bytes) {
    @Override
    public String toString() {
      return method + " " + ByteString.copyFrom(bytes);
    }
  }

  private static MiniKvCluster cluster;
  private static ManagedChannel publicChannel;
  private static Channel publicCalls;
  private static ManagedChannel internalChannel;

  @BeforeContainer
  static void start() throws IOException {
    cluster = MiniKvCluster.builder().nodesPerRegion(1).secure().start();
    cluster.awaitLeaders(Duration.ofSeconds(60));
    ClientCredentials root = ClientCredentials.tls(cluster.security().caCert())
        .withToken(cluster.security().rootToken(Duration.ofHours(1), Clock.systemUTC()));
    String[] hostPort = cluster.publicAddress(0).split(":");
    publicChannel = Grpc.newChannelBuilderForAddress(hostPort[0], Integer.parseInt(hostPort[1]),
        root.channelCredentials()).build();
    publicCalls = ClientInterceptors.intercept(publicChannel, root.tokenInterceptor());
    Path certs = cluster.security().certs();
    String[] internal = cluster.config(0).self().internalAddress().split(":");
    internalChannel = Grpc.newChannelBuilderForAddress(internal[0], Integer.parseInt(internal[1]),
        TlsChannelCredentials.newBuilder().trustManager(cluster.security().caCert().toFile())
            .keyManager(certs.resolve("node-0.pem").toFile(), certs.resolve("node-0.key").toFile()).build()).build();
  }

  @AfterContainer
  static void stop() {
    if (publicChannel != null) {
      publicChannel.shutdownNow();
      internalChannel.shutdownNow();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Map<String, List<byte[]>> seeds() {
    Map<String, List<byte[]>> seeds = new LinkedHashMap<>();
    for (String block : FuzzInputs.corpus("requests.txtpb", true)) {
      String method = block.lines().findFirst().orElseThrow().strip();
      Target target = TARGETS.get(method);
      if (target == null) {
        throw new IllegalStateException("fuzz/requests.txtpb: unknown method " + method);
      }
      Message.Builder builder = target.prototype().toBuilder();
      try {
        TextFormat.merge(block.substring(block.indexOf('\n') + 1), builder);
      } catch (TextFormat.ParseException e) {
        throw new IllegalStateException("fuzz/requests.txtpb: " + method + ": " + e.getMessage(), e);
      }
      seeds.computeIfAbsent(method, m -> new ArrayList<>()).add(builder.build().toByteArray());
    }
    TARGETS.keySet().forEach(method -> seeds.computeIfAbsent(method, m -> new ArrayList<>()).add(new byte[0]));
    return seeds;
  }

  @Provide
  Arbitrary<Case> requests() {
    List<Arbitrary<Case>> perMethod = new ArrayList<>();
    seeds().forEach((method, bytes) -> perMethod.add(FuzzInputs.bytes(bytes).map(b -> new Case(method, b))));
    return Arbitraries.oneOf(perMethod);
  }

  @Property
  void everyRequestIsAnsweredOrRefusedCleanly(@ForAll("requests") Case input) {
    Target target = TARGETS.get(input.method());
    boolean isRequest;
    try {
      target.prototype().getParserForType().parseFrom(input.bytes());
      isRequest = true;
    } catch (InvalidProtocolBufferException e) {
      isRequest = false;
    }
    Status status = call(target, input.bytes());
    if (isRequest) {
      assertTrue(!UNCLEAN.contains(status.getCode()), "a request answered " + status);
    } else {
      // gRPC's own decoder refuses them before any EdgeKV code runs: it cancels the call UNKNOWN
      // ("Application error processing RPC"), which no interceptor can intercept.
      assertTrue(status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL
          || !UNCLEAN.contains(status.getCode()), "bytes that are no request answered " + status);
    }
  }

  @Property(tries = 5)
  void theNodeKeepsServing(@ForAll("requests") Case input) {
    call(TARGETS.get(input.method()), input.bytes());
    assertEquals(Status.Code.OK, call(TARGETS.get("Get"), GetRequest.newBuilder().setNamespace("default")
        .setKey(ByteString.copyFromUtf8("k")).build().toByteArray()).getCode());
  }

  private static Status call(Target target, byte[] bytes) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(target.fullName())
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    try {
      ClientCalls.blockingUnaryCall(target.internal() ? internalChannel : publicCalls, method,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), bytes);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }
}
