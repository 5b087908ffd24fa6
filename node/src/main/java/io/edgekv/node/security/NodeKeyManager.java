package io.edgekv.node.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * This node's certificate chain and key, from two PEM files that are read again when they change
 * (a renewed certificate takes effect for new connections without a restart).
 */
public final class NodeKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "node";

  private record Material(List<X509Certificate> chain, PrivateKey key) {}

  private final ReloadingFiles<Material> material;

  public NodeKeyManager(Path certFile, Path keyFile) throws IOException {
    this.material = new ReloadingFiles<>(List.of(certFile, keyFile),
        () -> new Material(Pem.certificates(certFile), Pem.privateKey(keyFile)), System::nanoTime);
  }

  /** The certificate this node presents now. */
  public X509Certificate certificate() {
    return material.get().chain().get(0);
  }

  private String aliasFor(String keyType) {
    String algorithm = material.get().key().getAlgorithm().toUpperCase(Locale.ROOT);
    return keyType != null && keyType.toUpperCase(Locale.ROOT).startsWith(algorithm) ? ALIAS : null;
  }

  private String aliasForAny(String[] keyTypes) {
    if (keyTypes != null) {
      for (String type : keyTypes) {
        if (aliasFor(type) != null) {
          return ALIAS;
        }
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return aliasFor(keyType) == null ? null : new String[] {ALIAS};
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return aliasForAny(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return aliasForAny(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? material.get().chain().toArray(X509Certificate[]::new) : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? material.get().key() : null;
  }
}
