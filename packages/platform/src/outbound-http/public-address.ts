import { BlockList, isIPv6 } from "node:net";
import ipaddr from "ipaddr.js";

// Deprecated IPv6 site-local addresses, which ipaddr.js counts as ordinary unicast.
const SITE_LOCAL_V6 = ipaddr.parseCIDR("fec0::/10");

/**
 * Deprecated IPv4-compatible IPv6 addresses (::/96, RFC 4291), an IPv4 address in the last 32
 * bits. ipaddr.js counts `::7f00:1` as ordinary unicast and reads `::127.0.0.1` as IPv4-mapped,
 * so the range is checked with Node's own parser, the one the socket uses.
 */
const IPV4_COMPATIBLE_V6 = new BlockList();
IPV4_COMPATIBLE_V6.addSubnet("::", 96, "ipv6");

/**
 * Whether an address is an ordinary public one that an outgoing request may reach. Everything
 * ipaddr.js names a special range is refused: private (10/8, 172.16/12, 192.168/16), loopback,
 * link-local (169.254/16, where cloud metadata lives, and fe80::/10), CGNAT (100.64/10),
 * unspecified (0.0.0.0, ::), multicast, broadcast, reserved, unique-local (fc00::/7), and the
 * IPv6 ranges that carry an IPv4 address inside (IPv4-mapped ::ffff:0:0/96, IPv4-compatible
 * ::/96, NAT64, 6to4, Teredo), which could lead back to a private one. An IPv4-mapped address is
 * judged as the IPv4 it maps.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  if (isIPv6(address) && IPV4_COMPATIBLE_V6.check(address, "ipv6")) return false;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).match(SITE_LOCAL_V6)) return false;
  return parsed.range() === "unicast";
}
