package io.edgekv.node.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts certificates issued by the CA of a PEM file (read again when it changes, so a CA is
 * rotated without a restart). For node-to-node channels it also requires the peer certificate to
 * name a node ({@link NodeIdentity}) that {@code member} accepts, on both ends of the connection:
 * a client certificate, or a node unknown to the replicated membership, is refused at the handshake.
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
  private final ReloadingFiles<X509ExtendedTrustManager> pkix;
  private final Predicate<NodeIdentity> member;

  /**
   * @param member which nodes may connect; null trusts any certificate of the CA (the public port's
   *     clients verify servers this way)
   */
  public PeerTrustManager(Path caFile, Predicate<NodeIdentity> member) throws IOException {
    this.pkix = new ReloadingFiles<>(List.of(caFile), () -> pkix(caFile), System::nanoTime);
    this.member = member;
  }

  private static X509ExtendedTrustManager pkix(Path caFile) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (X509Certificate ca : Pem.certificates(caFile)) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IOException("no X.509 trust manager in this JDK");
    } catch (GeneralSecurityException e) {
      throw new IOException(caFile + ": cannot build a trust store: " + e.getMessage(), e);
    }
  }

  private void checkNode(X509Certificate[] chain) throws CertificateException {
    if (member == null) {
      return;
    }
    Optional<NodeIdentity> identity = NodeIdentity.of(chain[0]);
    if (identity.isEmpty()) {
      throw new CertificateException("the peer certificate (" + chain[0].getSubjectX500Principal().getName()
          + ") names no EdgeKV node: node-to-node channels accept node certificates only");
    }
    if (!member.test(identity.get())) {
      throw new CertificateException("the peer certificate names " + identity.get()
          + ", which is not a member of the fleet");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.get().checkClientTrusted(chain, authType, socket);
    checkNode(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.get().checkClientTrusted(chain, authType, engine);
    checkNode(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.get().checkClientTrusted(chain, authType);
    checkNode(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.get().checkServerTrusted(chain, authType, socket);
    checkNode(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.get().checkServerTrusted(chain, authType, engine);
    checkNode(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.get().checkServerTrusted(chain, authType);
    checkNode(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.get().getAcceptedIssuers();
  }
}
