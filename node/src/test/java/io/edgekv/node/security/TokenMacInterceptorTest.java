package io.edgekv.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.edgekv.api.v1.Entry;
import io.edgekv.api.v1.GetResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The interceptor signs every token a response carries and checks every one a request carries,
 * also on the first calls of a message type arriving at once on a fresh node and through nested
 * message types that refer back to each other. A single response let out unsigned is remembered by
 * the client as its session token and sent with every later call, each refused INVALID_ARGUMENT.
 */
class TokenMacInterceptorTest {
  private static final TokenMac MAC = new TokenMac(List.of(new byte[32]));

  @Test
  void firstResponsesOfATypeArrivingTogetherAreAllSigned() throws Exception {
    int threads = 8;
    GetResponse response = GetResponse.newBuilder().setFound(true)
        .setEntry(Entry.newBuilder().setKey(ByteString.copyFromUtf8("k")))
        .setSessionToken("raw-session").build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      int rounds = 0;
      while (rounds < 50 || (rounds < 2_000 && System.nanoTime() < deadline)) {
        TokenMacInterceptor fresh = new TokenMacInterceptor(MAC);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Message>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          results.add(pool.submit(() -> {
            start.await(5, TimeUnit.SECONDS);
            return fresh.transform(response, MAC::sign);
          }));
        }
        for (Future<Message> result : results) {
          String token = ((GetResponse) result.get(10, TimeUnit.SECONDS)).getSessionToken();
          assertEquals("raw-session", MAC.verify("session_token", token).orElse(null),
              "round " + rounds + ": a response left unsigned: " + token);
        }
        rounds++;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tokensInMutuallyNestedTypesAreSignedWhicheverTypeIsSeenFirst() throws DescriptorValidationException {
    // message Outer { Inner inner = 1; string session_token = 2; }  message Inner { Outer outer = 1; }
    FileDescriptor file = FileDescriptor.buildFrom(FileDescriptorProto.newBuilder()
        .setName("cycle_test.proto").setPackage("cycletest").setSyntax("proto3")
        .addMessageType(DescriptorProto.newBuilder().setName("Outer")
            .addField(message("inner", 1, ".cycletest.Inner"))
            .addField(FieldDescriptorProto.newBuilder().setName("session_token").setNumber(2)
                .setType(FieldDescriptorProto.Type.TYPE_STRING).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)))
        .addMessageType(DescriptorProto.newBuilder().setName("Inner")
            .addField(message("outer", 1, ".cycletest.Outer")))
        .build(), new FileDescriptor[0]);
    Descriptor outer = file.findMessageTypeByName("Outer");
    Descriptor inner = file.findMessageTypeByName("Inner");
    Message outerWithToken = DynamicMessage.newBuilder(outer)
        .setField(outer.findFieldByName("session_token"), "raw-session").build();
    Message innerWithToken = DynamicMessage.newBuilder(inner)
        .setField(inner.findFieldByName("outer"), outerWithToken).build();

    TokenMacInterceptor interceptor = new TokenMacInterceptor(MAC);
    Message signedOuter = interceptor.transform(outerWithToken, MAC::sign); // Outer first, then Inner
    assertTrue(MAC.verify("session_token", (String) signedOuter.getField(outer.findFieldByName("session_token")))
        .isPresent());
    Message signedInner = interceptor.transform(innerWithToken, MAC::sign);
    Message nested = (Message) signedInner.getField(inner.findFieldByName("outer"));
    assertEquals("raw-session",
        MAC.verify("session_token", (String) nested.getField(outer.findFieldByName("session_token"))).orElse(null),
        "the token nested in Inner was let out unsigned");
  }

  private static FieldDescriptorProto.Builder message(String name, int number, String type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
        .setType(FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(type)
        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
  }
}
