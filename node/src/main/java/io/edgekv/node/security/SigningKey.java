package io.edgekv.node.security;

import io.edgekv.security.v1.TokenClaims;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The operator's token signing key (Ed25519): it stays off the nodes, which hold only its public
 * half. Its file holds the PKCS#8 private key and the public key as two PEM blocks, so the key id
 * (the first 8 bytes of the public key's SHA-256, in hex) is known to whoever signs.
 */
public final class SigningKey {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrivateKey privateKey;
  private final PublicKey publicKey;

  private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  /** A new key pair. */
  public static SigningKey generate() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new SigningKey(pair.getPrivate(), pair.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no Ed25519 in this JDK", e);
    }
  }

  /** The key of a file written by {@link #write}. */
  public static SigningKey read(Path file) throws IOException {
    PrivateKey key = Pem.privateKey(file);
    if (!key.getAlgorithm().equals("EdDSA") && !key.getAlgorithm().equals("Ed25519")) {
      throw new IOException(file + ": the signing key must be Ed25519, found " + key.getAlgorithm());
    }
    return new SigningKey(key, Pem.publicKeys(file, "Ed25519").get(0));
  }

  /** Writes the private and public key to {@code file} (owner-only). */
  public void write(Path file) throws IOException {
    Pem.write(file, Pem.encode("PRIVATE KEY", privateKey.getEncoded()) + publicKeyPem(), true);
  }

  /** The public key as PEM, for the nodes' {@code security.tokenKeys} file. */
  public String publicKeyPem() {
    return Pem.encode("PUBLIC KEY", publicKey.getEncoded());
  }

  PublicKey publicKey() {
    return publicKey;
  }

  public String keyId() {
    return keyId(publicKey);
  }

  /** The id of a public key: the first 8 bytes of the SHA-256 of its encoding, in hex. */
  public static String keyId(PublicKey key) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token granting {@code rights} in {@code namespaces} from now for {@code ttl}. */
  public String sign(String subject, Collection<String> namespaces, Set<Right> rights, Duration ttl, Instant now) {
    if (namespaces.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one namespace (or '*')");
    }
    if (rights.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one right");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("the token's lifetime must be positive, got " + ttl);
    }
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    TokenClaims claims = TokenClaims.newBuilder()
        .setFormat(Tokens.FORMAT)
        .setKeyId(keyId())
        .setSubject(subject)
        .addAllNamespaces(List.copyOf(namespaces))
        .addAllRights(rights.stream().sorted().map(Right::label).toList())
        .setIssuedAtSeconds(now.getEpochSecond())
        .setExpiresAtSeconds(now.plus(ttl).getEpochSecond())
        .setTokenId(ByteString.copyFrom(id))
        .build();
    byte[] body = claims.toByteArray();
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(privateKey);
      signer.update(Tokens.SIGNATURE_CONTEXT);
      signer.update(body);
      return Tokens.PREFIX + Tokens.B64.encodeToString(body) + "." + Tokens.B64.encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the token", e);
    }
  }
}
