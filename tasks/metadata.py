"""What a page states about itself: JSON-LD, OpenGraph and meta tags, read before heuristics.

Publishers state title, authors and dates for search engines and social networks; those
statements are more reliable than anything inferred from the layout. Pure functions over
an lxml tree; ``stated_metadata`` returns candidates, and the extract stage decides.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lxml import etree

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "scholarlyarticle",
    "techarticle",
    "socialmediaposting",
    "report",
}
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BY = re.compile(r"^(?:by|von|par|por|door|di|de|av|af|przez|autor(?:in)?:?|text:?)\s+", re.I)
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|\|)\s*")


@dataclass
class Stated:
    """Metadata a page states, best source first in each list."""

    titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # people: JSON-LD, then meta tags
    organisations: list[str] = field(default_factory=list)  # JSON-LD authors that are not people
    ld_people: list[str] = field(default_factory=list)  # people named by JSON-LD alone
    published: date | None = None
    sitename: str | None = None
    tags: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    url: str | None = None
    description: str | None = None


def _text(value: Any) -> str | None:
    """Clean text of a JSON or attribute value; entities some sites double-escape."""
    if isinstance(value, str):
        value = " ".join(html.unescape(value).split())
        return value or None
    return None


def parse_date(value: Any) -> date | None:
    """The calendar day as written (a local date, not converted to UTC)."""
    if not isinstance(value, str):
        return None
    m = _DATE.search(value)
    if not m:
        return None
    if not 1800 <= int(m[1]) <= 2200:
        return None  # placeholders such as 0001-01-01 state nothing
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _json_objects(tree: etree._Element) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in the page, flattening lists and @graph."""
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").lower().strip() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])
                if isinstance(item.get("mainEntity"), dict | list):
                    stack.append(item["mainEntity"])


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _person_names(value: Any) -> tuple[list[str], list[str]]:
    """(people, organisations) named in a JSON-LD ``author`` value."""
    people: list[str] = []
    orgs: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            if not item.startswith("http"):
                people += split_names(item)
        elif isinstance(item, dict):
            name = _text(item.get("name"))
            if not name and isinstance(item.get("givenName"), str):
                name = f"{item.get('givenName')} {item.get('familyName', '')}".strip()
            if not name or name.startswith("http"):
                continue
            if "organization" in _types(item) or "newsmediaorganization" in _types(item):
                orgs.append(name)
            else:
                people += split_names(name)
    return people, orgs


def split_names(value: str) -> list[str]:
    """'By Jane Doe and John Roe' -> ['Jane Doe', 'John Roe']."""
    value = _BY.sub("", " ".join(value.split()))
    names = [n.strip(" .") for n in _SPLIT_NAMES.split(value)]
    return [
        n
        for n in names
        if n and len(n) <= 80 and not n.startswith("http") and any(c.isalpha() for c in n)
    ]


def _meta(tree: etree._Element) -> dict[str, list[str]]:
    """Meta tag contents by lower-cased name or property, in page order."""
    found: dict[str, list[str]] = {}
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = _text(meta.get("content"))
        if key and content:
            found.setdefault(key, []).append(content)
    return found


def stated_metadata(tree: etree._Element) -> Stated:
    """Read JSON-LD, OpenGraph and meta tags from a parsed page."""
    out = Stated()
    ld_people: list[str] = []
    ld_orgs: list[str] = []
    ld_keywords: list[str] = []
    for obj in _json_objects(tree):
        types = _types(obj)
        if types & ARTICLE_TYPES:
            if title := _text(obj.get("headline")) or _text(obj.get("name")):
                out.titles.append(title)
            people, orgs = _person_names(obj.get("author"))
            ld_people += people
            ld_orgs += orgs
            out.published = out.published or parse_date(obj.get("datePublished"))
            keywords = obj.get("keywords")
            if isinstance(keywords, str):
                ld_keywords += [k.strip() for k in keywords.split(",") if k.strip()]
            elif isinstance(keywords, list):
                ld_keywords += [k.strip() for k in keywords if isinstance(k, str) and k.strip()]
            section = obj.get("articleSection")
            for value in section if isinstance(section, list) else [section]:
                if text := _text(value):
                    out.sections.append(text)
            publisher = obj.get("publisher")
            if isinstance(publisher, dict):
                out.sitename = out.sitename or _text(publisher.get("name"))
            out.url = out.url or _text(obj.get("url"))
        elif "website" in types or "newsmediaorganization" in types:
            out.sitename = out.sitename or _text(obj.get("name"))
    meta = _meta(tree)

    def first(*keys: str) -> str | None:
        for key in keys:
            for value in meta.get(key, []):
                return value
        return None

    for key in ("og:title", "twitter:title", "dc.title", "title"):
        if value := first(key):
            out.titles.append(value)
    meta_authors: list[str] = []
    for key in (
        "author",
        "article:author",
        "parsely-author",
        "sailthru.author",
        "dc.creator",
        "dcterms.creator",
        "byl",
        "cxenseparse:author",
        "article:author_name",
    ):
        for value in meta.get(key, []):
            if not value.startswith("http"):
                meta_authors += split_names(value)
    out.authors = list(dict.fromkeys(ld_people or meta_authors))
    out.organisations = list(dict.fromkeys(ld_orgs))
    out.ld_people = list(dict.fromkeys(ld_people))
    if out.published is None:
        for key in (
            "article:published_time",
            "og:published_time",
            "datepublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "date",
            "dc.date",
            "dc.date.issued",
            "dcterms.date",
            "dcterms.issued",
            "parsely-pub-date",
            "sailthru.date",
            "article.published",
            "published_time",
            "cxenseparse:recs:publishtime",
        ):
            if (found := parse_date(first(key))) is not None:
                out.published = found
                break
    if out.published is None:
        for node in tree.iterfind(".//time"):
            if node.get("itemprop") == "datePublished" or node.get("pubdate") is not None:
                out.published = parse_date(node.get("datetime"))
                if out.published:
                    break
    out.sitename = out.sitename or first("og:site_name", "application-name")
    tags = (
        ld_keywords
        or [
            t.strip()
            for v in meta.get("keywords", [])[:1] + meta.get("news_keywords", [])[:1]
            for t in v.split(",")
            if t.strip()
        ]
        or meta.get("article:tag", [])
    )
    out.tags = list(dict.fromkeys(t for t in tags if len(t) <= 60))[:30]
    out.sections = list(dict.fromkeys(out.sections or meta.get("article:section", [])))[:10]
    out.url = first("og:url") or out.url
    canonical = tree.find(".//link[@rel='canonical']")
    if canonical is not None and (href := _text(canonical.get("href"))):
        out.url = href
    out.description = first("og:description", "description")
    return out


_SUFFIX = re.compile(r"^(?P<title>.{20,}?)\s+[|–—-]\s+(?P<suffix>[^|–—-]{2,40})$")


def strip_site_suffix(title: str, sitename: str | None) -> str:
    """'Headline | Le Monde' -> 'Headline'; also ' - Sport' section suffixes of SEO titles."""
    m = _SUFFIX.match(title)
    if not m:
        return title
    suffix = m.group("suffix").strip()
    site = (sitename or "").casefold()
    if site and (site in suffix.casefold() or suffix.casefold() in site):
        return m.group("title")
    return m.group("title") if len(suffix.split()) <= 3 and " | " in title else title


def _key(text: str) -> str:
    """Words only, case-folded: compares titles across markup and punctuation."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def choose_title(stated: Stated, h1: str | None, fallback: str | None) -> str | None:
    """The headline, from the page's visible <h1> and the titles it states.

    The publisher's stated title (JSON-LD, OpenGraph) wins when it is the h1 up to
    punctuation, or the h1 minus a short section label glued before it ("Kultur : …"),
    or the h1 with a kicker before it. A stated title unrelated to the h1 is usually a
    social-media variant, so the visible h1 wins then.
    """
    candidates = list(dict.fromkeys(strip_site_suffix(t, stated.sitename) for t in stated.titles))
    if h1 and 3 <= len(h1) <= 300:
        h1_key = _key(h1)
        for cand in candidates:
            cand_key = _key(cand)
            if not cand_key:
                continue
            if cand_key == h1_key or cand_key.endswith(" " + h1_key):
                return cand
            if h1_key.endswith(cand_key):
                label = h1_key[: len(h1_key) - len(cand_key)].split()
                if len(label) <= 2:
                    return cand
        return h1
    if candidates:
        return candidates[0]
    return fallback


def first_h1(tree: etree._Element) -> str | None:
    """Text of the page's first <h1>, inside <article> or <main> when there is one."""
    for path in (".//article//h1", ".//main//h1", ".//h1"):
        node = tree.find(path)
        if node is not None:
            text = " ".join("".join(node.itertext()).split())
            if text:
                return text
    return None
