"""Allowed networks: CIDR lists, and whether an address is inside them."""

from __future__ import annotations

import ipaddress

from shoptui.errors import InvalidInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_NETWORKS = 50


def parse_networks(raw: str) -> list[Network]:
    """``"192.168.1.0/24, 10.0.0.5"`` as networks (a bare address is one host); "" is none (no restriction)."""
    parts = [p.strip() for p in raw.replace("\n", ",").replace(" ", ",").split(",") if p.strip()]
    if len(parts) > MAX_NETWORKS:
        raise InvalidInput(f"At most {MAX_NETWORKS} networks, not {len(parts)}.")
    found: list[Network] = []
    for part in parts:
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InvalidInput(f"{part!r} is not a network: write it like 192.168.1.0/24 or 10.0.0.5.",
                               field="allowed_networks") from None
    return found


def address_allowed(address: str | None, *lists: str) -> bool:
    """True when ``address`` is inside every non-empty list; the local console (None) always is."""
    if address is None:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False  # an address we cannot read is not inside any network
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for raw in lists:
        networks = parse_networks(raw) if raw else []
        if networks and not any(ip.version == n.version and ip in n for n in networks):
            return False
    return True
