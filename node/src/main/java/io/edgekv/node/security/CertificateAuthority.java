package io.edgekv.node.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for one fleet: an EC P-256 key and a self-signed CA certificate that
 * issues node certificates (server and client use, naming the node's region and id, see {@link
 * NodeIdentity}, plus IP/DNS names of its addresses) and client certificates. Keys are made by the
 * JDK; BouncyCastle only assembles the certificates.
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrivateKey key;
  private final X509Certificate certificate;

  private CertificateAuthority(PrivateKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  /** A certificate and its private key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** Writes {@code NAME.pem} (the certificate) and {@code NAME.key} (the key, owner-only) into {@code dir}. */
    public void write(Path dir, String name) throws IOException {
      Pem.write(dir.resolve(name + ".pem"), pem(certificate), false);
      Pem.write(dir.resolve(name + ".key"), Pem.encode("PRIVATE KEY", key.getEncoded()), true);
    }
  }

  /** A new CA valid from now for {@code validity}. */
  public static CertificateAuthority create(String name, Duration validity) {
    KeyPair pair = ecKeyPair();
    X500Name subject = new X500Name("CN=" + name + ",O=EdgeKV");
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(subject, subject, pair, validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(pair.getPrivate(), sign(builder, pair.getPrivate()));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the CA certificate", e);
    }
  }

  /** The CA of {@code ca.pem} and {@code ca.key} in {@code dir}. */
  public static CertificateAuthority load(Path dir) throws IOException {
    return new CertificateAuthority(Pem.privateKey(dir.resolve("ca.key")), Pem.certificates(dir.resolve("ca.pem")).get(0));
  }

  /** Writes {@code ca.pem} and {@code ca.key} (owner-only) into {@code dir}. */
  public void write(Path dir) throws IOException {
    new Issued(certificate, key).write(dir, "ca");
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A node certificate: usable as server and as client, naming {@code identity} and every host of
   * {@code hosts} (IP addresses as IP names, others as DNS names).
   */
  public Issued issueNode(NodeIdentity identity, List<String> hosts, Duration validity) {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
    for (String host : hosts) {
      names.add(isIpAddress(host) ? new GeneralName(GeneralName.iPAddress, host)
          : new GeneralName(GeneralName.dNSName, host));
    }
    return issue("CN=" + identity.nodeId() + ",OU=" + identity.region() + ",O=EdgeKV", names, validity,
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
  }

  /** A client certificate naming no node (for operators' tools and for tests that a client cannot act as a node). */
  public Issued issueClient(String name, Duration validity) {
    return issue("CN=" + name + ",O=EdgeKV clients", List.of(), validity,
        new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
  }

  /** A certificate issued with an explicit validity window (tests of expired certificates). */
  Issued issue(String subject, List<GeneralName> names, Duration validity, KeyPurposeId[] purposes) {
    KeyPair pair = ecKeyPair();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
          new X500Name(subject), pair, validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
          .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
      if (!names.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      return new Issued(sign(builder, key), pair.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + subject, e);
    }
  }

  /** The certificate as PEM text. */
  public static String pem(X509Certificate certificate) {
    try {
      return Pem.encode("CERTIFICATE", certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair pair, Duration validity) {
    // A negative validity makes a certificate that expired before now (for tests).
    Instant now = Instant.now();
    Instant from = validity.isNegative() ? now.plus(validity).minus(Duration.ofDays(1)) : now.minus(Duration.ofMinutes(5));
    Instant to = validity.isNegative() ? now.plus(validity) : now.plus(validity);
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
        Date.from(from), Date.from(to), subject, pair.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 in this JDK", e);
    }
  }

  private static boolean isIpAddress(String host) {
    return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (host.contains(":") && host.matches("[0-9A-Fa-f:.]+"));
  }
}
