package io.edgekv.node.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM files: certificates, PKCS#8 private keys and X.509 public keys, read and written with the JDK. */
public final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

  private Pem() {}

  /** One decoded block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and DER bytes. */
  public record Block(String label, byte[] der) {}

  /** Every PEM block of {@code text}, in order. */
  public static List<Block> blocks(String text) {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
    }
    return out;
  }

  /** The block as PEM text. */
  public static String encode(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** The certificates of a PEM file (a chain or a CA bundle). */
  public static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block b : blocks(Files.readString(file))) {
        if (b.label().equals("CERTIFICATE")) {
          out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
        }
      }
    } catch (CertificateException e) {
      throw new IOException(file + ": not a valid certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IOException(file + ": holds no PEM certificate");
    }
    return out;
  }

  /** The first {@code PRIVATE KEY} (PKCS#8) of a PEM file; EC, RSA and Ed25519 keys are recognized. */
  public static PrivateKey privateKey(Path file) throws IOException {
    for (Block b : blocks(Files.readString(file))) {
      if (b.label().equals("PRIVATE KEY")) {
        for (String algorithm : List.of("EC", "Ed25519", "RSA")) {
          try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(b.der()));
          } catch (GeneralSecurityException e) {
            // try the next algorithm
          }
        }
        throw new IOException(file + ": the private key is neither EC, Ed25519 nor RSA");
      }
    }
    throw new IOException(file + ": holds no PEM 'PRIVATE KEY' block (PKCS#8)");
  }

  /** Every {@code PUBLIC KEY} block of a PEM file, decoded as {@code algorithm} keys. */
  public static List<PublicKey> publicKeys(Path file, String algorithm) throws IOException {
    List<PublicKey> out = new ArrayList<>();
    for (Block b : blocks(Files.readString(file))) {
      if (b.label().equals("PUBLIC KEY")) {
        try {
          out.add(KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(b.der())));
        } catch (GeneralSecurityException e) {
          throw new IOException(file + ": a public key is not " + algorithm + ": " + e.getMessage(), e);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IOException(file + ": holds no PEM 'PUBLIC KEY' block");
    }
    return out;
  }

  /**
   * Writes {@code text} to {@code file} atomically (a temporary file renamed over it), readable by
   * the owner only when {@code secret}, so that a reader never sees half a file.
   */
  public static void write(Path file, String text, boolean secret) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
    try {
      if (secret) {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the directory's permissions protect it
        }
      }
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
