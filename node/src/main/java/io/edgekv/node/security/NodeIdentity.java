package io.edgekv.node.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who a node certificate speaks for: its region and node id, named by a URI subject alternative
 * name {@code urn:edgekv:node:<region>:<node-id>} (DESIGN section 10). A certificate without one
 * (a client's, an operator's) is no node's.
 */
public record NodeIdentity(String region, String nodeId) {
  private static final String PREFIX = "urn:edgekv:node:";
  private static final Pattern URN = Pattern.compile("urn:edgekv:node:([A-Za-z0-9_.-]{1,63}):([A-Za-z0-9_.-]{1,63})");
  /** The subject-alternative-name type of a URI (RFC 5280). */
  private static final int URI_NAME = 6;

  /** The URI this identity is written as in a certificate. */
  public String uri() {
    return PREFIX + region + ":" + nodeId;
  }

  /** The node a certificate names, if it names exactly one. */
  public static Optional<NodeIdentity> of(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    NodeIdentity found = null;
    for (List<?> name : names) {
      if (name.size() >= 2 && Integer.valueOf(URI_NAME).equals(name.get(0)) && name.get(1) instanceof String uri) {
        Matcher m = URN.matcher(uri);
        if (m.matches()) {
          if (found != null) {
            return Optional.empty();
          }
          found = new NodeIdentity(m.group(1), m.group(2));
        }
      }
    }
    return Optional.ofNullable(found);
  }

  @Override
  public String toString() {
    return nodeId + " of region " + region;
  }
}
