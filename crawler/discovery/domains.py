"""Registered domains: the outlet a host in no catalogue entry is named by.

`news.example.com.eg`, `www.example.com.eg` and `example.com.eg` are one outlet; "the last two labels"
would name it `com.eg`. The Public Suffix List says where the registrable part begins; the
`publicsuffixlist` package ships a copy of it, read offline (no download at run time).
"""

from __future__ import annotations

import ipaddress
from functools import cache

from publicsuffixlist import PublicSuffixList


@cache
def _suffixes() -> PublicSuffixList:
    # Private suffixes count too (blogspot.com, github.io): each blog on them is its own outlet.
    return PublicSuffixList()


def registered_domain(host: str) -> str:
    """The registrable domain of `host` (a URL's hostname: no port; lower-cased, trailing dot dropped).

    An IP address, a single-label host (localhost) or a host that is itself a public suffix is
    returned as it is: there is nothing shorter that names its owner. A top-level domain the list does
    not know (`.example`, `.test`) counts as a public suffix, so `www.portal.example` gives
    `portal.example`.
    """
    host = (host or "").strip().lower().rstrip(".").strip("[]")
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if "." not in host:
        return host
    return _suffixes().privatesuffix(host) or host
