"""Tagged links: a shop address with UTM tags, so the visits and orders a post brings are attributed to it."""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from shoptui.errors import InvalidInput
from shoptui.text import check_text

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def tagged_link(url: str, *, source: str, medium: str = "", campaign: str = "", term: str = "",
                content: str = "") -> str:
    """``url`` with ``utm_source`` (and medium, campaign, term, content when given): its other query parameters
    and fragment kept, a tag it already had replaced, everything URL-encoded. Raises InvalidInput for a URL that
    is not http(s) with a host, or an empty or over-long tag."""
    address = unicodedata.normalize("NFKC", url or "").strip()
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:
        raise InvalidInput(f"{address!r} is not a web address; give one like https://shop.example.com/spring.",
                           field="url") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidInput(f"{address!r} is not an http(s) web address; give one like https://shop.example.com/spring "
                           "(a tagged link must open a web page).", field="url")
    check_text(address, "URL", 2000, required=True, multiline=False)
    tags = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign, "utm_term": term,
            "utm_content": content}
    given: list[tuple[str, str]] = []
    for key, raw in tags.items():
        value = unicodedata.normalize("NFKC", raw or "").strip()
        option = "--" + key.removeprefix("utm_")
        if key == "utm_source" and not value:
            raise InvalidInput("Give the --source the link is for, like weibo, wechat or newsletter.", field="source")
        if value:
            check_text(value, option, 100, required=True, multiline=False)
            given.append((key, value))
    replaced = {key for key, _ in given}
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in replaced]
    if len(kept) == len(parse_qsl(parts.query, keep_blank_values=True)) and parts.query:
        query = parts.query + "&" + urlencode(given, quote_via=quote)  # untouched: keep it exactly as written
    else:
        query = urlencode([*kept, *given], quote_via=quote)
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, query, quote(parts.fragment, safe=_PATH_SAFE + "?#")))
