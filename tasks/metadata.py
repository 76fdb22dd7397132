"""What a page states about itself: JSON-LD, OpenGraph and meta tags, read before heuristics.

Publishers state title, authors and dates for search engines and social networks; those
statements are more reliable than anything inferred from the layout. Pure functions over
an lxml tree; ``stated_metadata`` returns candidates, and the extract stage decides.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
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
# Between names: punctuation, with the CJK commas. Not "and": "Le Figaro et AFP" is how
# the outlet credits itself, and the joined names stay searchable either way.
_SPLIT_NAMES = re.compile(r"\s*[,;|、，]\s*")


@dataclass
class Stated:
    """Metadata a page states, best source first in each list."""

    titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # people: JSON-LD, then meta tags
    organisations: list[str] = field(default_factory=list)  # JSON-LD authors that are not people
    ld_people: list[str] = field(default_factory=list)  # people named by JSON-LD alone
    published: date | None = None
    sitename: str | None = None
    site_names: list[str] = field(default_factory=list)  # every name the outlet gives itself
    tags: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    url: str | None = None
    description: str | None = None
    page_title: str | None = None  # the <title> element


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
    """'By Jane Doe, John Roe' -> ['Jane Doe', 'John Roe']."""
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
            if isinstance(publisher, dict) and (name := _text(publisher.get("name"))):
                out.sitename = out.sitename or name
                out.site_names.append(name)
            out.url = out.url or _text(obj.get("url"))
        elif types & {"website", "newsmediaorganization", "organization"} and (
            name := _text(obj.get("name"))
        ):
            if types & {"website", "newsmediaorganization"}:
                out.sitename = out.sitename or name
            out.site_names.append(name)
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
    out.site_names += meta.get("og:site_name", [])  # not application-name: some put titles there
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
    if out.url and (host := re.match(r"(?:https?:)?//(?:www\.)?([^/:?#]+)", out.url)):
        out.site_names.append(host[1])  # "lto.de", "der-postillon.com"
    out.site_names = list(dict.fromkeys(out.site_names))
    out.description = first("og:description", "description")
    out.page_title = _text(tree.findtext(".//title"))
    return out


_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")  # soft hyphens, zero widths
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


def _matching_title(candidates: list[str], heading: str) -> str | None:
    """The stated title a visible heading shows, up to punctuation, a kicker or a label."""
    heading_key = _key(heading)
    for cand in candidates:
        cand_key = _key(cand)
        if cand_key == heading_key or cand_key.endswith(" " + heading_key):
            return cand
        if heading_key.endswith(cand_key):
            label = heading_key[: len(heading_key) - len(cand_key)].split()
            if len(label) <= 2:
                return cand
    return None


def choose_title(
    stated: Stated, h1: str | None, fallback: str | None, after_crumb: str | None = None
) -> str | None:
    """The headline, from the titles the page states and its visible <h1>.

    The publisher's stated title (JSON-LD, then OpenGraph, ...) that matches the h1 up to
    punctuation, or the h1 minus a short section label glued before it ("Kultur : …"), or
    the h1 with a kicker before it, wins. When the h1 is the last item of a breadcrumb
    trail, ``after_crumb`` is the heading after the trail: a stated title it matches wins
    first (the trail names the page; the heading is what the reader sees). When the h1
    matches none of them it may not be the article's headline (a live ticker's latest
    entry, a kicker and teaser set as one heading), so a stated title that two
    statements agree on wins; else the h1. A stated "title" that is just the outlet's
    name states nothing.
    """
    sites = {_key(name) for name in stated.site_names}
    candidates = [
        t
        for t in dict.fromkeys(strip_site_suffix(t, stated.sitename) for t in stated.titles)
        if _key(t) and _key(t) not in sites
    ]
    if (
        after_crumb
        and 3 <= len(after_crumb) <= 300
        and (found := _matching_title(candidates, after_crumb))
    ):
        return found
    if h1 and 3 <= len(h1) <= 300:
        if found := _matching_title(candidates, h1):
            return found
        # The h1 matches no stated title: a stated title two statements agree on (JSON-LD
        # and OpenGraph, or either and the <title> tag) is the article's headline; a lone
        # one may be a description or a slug, so the visible h1 stays.
        h1_key = _key(h1)
        said = [_key(strip_site_suffix(t, stated.sitename)) for t in stated.titles]
        if stated.page_title:
            said.append(_key(strip_site_suffix(stated.page_title, stated.sitename)))
        for cand in candidates:
            cand_key = _key(cand)
            if cand_key.startswith(h1_key + " "):
                return h1  # the h1 plus a site or section suffix the stated title kept
            if said.count(cand_key) >= 2:
                return cand
        return h1
    if candidates:
        return candidates[0]
    return fallback


def _heading_text(node: etree._Element) -> str:
    """A heading's text without soft hyphens or zero-width characters."""
    return " ".join(_INVISIBLE.sub("", "".join(node.itertext())).split())


def _first_h1_node(tree: etree._Element) -> etree._Element | None:
    """The page's first <h1> with text, inside <article> or <main> when there is one."""
    for path in (".//article//h1", ".//main//h1", ".//h1"):
        node = tree.find(path)
        if node is not None and _heading_text(node):
            return node
    return None


def headings(tree: etree._Element) -> tuple[str | None, str | None]:
    """Text of the page's first <h1> (inside <article> or <main> when there is one) and,
    when that h1 is a breadcrumb trail's last item, of the heading after the trail."""
    node = _first_h1_node(tree)
    if node is None:
        return None, None
    return _heading_text(node), _heading_after_breadcrumb(node)


def _in_breadcrumb(node: etree._Element) -> bool:
    """In a breadcrumb trail, as its class, id, ARIA label or schema.org type says.

    Six levels up at most: a page wrapper classed "has-breadcrumbs" is not the trail.
    """
    for el in islice(chain([node], node.iterancestors()), 7):
        if el.tag in ("body", "html"):
            break
        marks = " ".join(el.get(a) or "" for a in ("class", "id", "aria-label", "itemtype"))
        if "breadcrumb" in marks.lower():
            return True
    return False


def _heading_after_breadcrumb(node: etree._Element) -> str | None:
    """The heading after the trail when the page's h1 ``node`` is a breadcrumb trail's
    last item.

    Sites that spend their one <h1> on the trail (the page's name, often its SEO title)
    set the headline the reader sees as the next heading, an <h2> in the article header.
    """
    if not _in_breadcrumb(node):
        return None
    for heading in node.xpath("following::*[self::h1 or self::h2]"):
        if not _in_breadcrumb(heading) and (text := _heading_text(heading)):
            return text
    return None


# --- who wrote it ----------------------------------------------------------------------

# A visible byline starts with a label: "By", "Von:", "Par", "作者：" ...
_BYLINE_LABEL = re.compile(
    r"^[\s(（\[]*(?:by|von|par|por|door|di|av|af|przez|autor(?:in|es|a)?|author|auteur"
    r"|text|texte|written by|作者|记者)\s*[:：]?(?:\s+|$|(?<=[:：]))",
    re.I,
)
# A name the page labels as its editor's is not the author's.
_EDITOR_LABEL = re.compile(
    r"^[\s(（\[]*(?:(?:editor|redakteur(?:in)?|rédact(?:eur|rice) en chef|责任编辑|责编|编辑)"
    r"\s*[:：]|edited by\s)\s*",
    re.I,
)
_LABEL = re.compile(f"{_BYLINE_LABEL.pattern}|{_EDITOR_LABEL.pattern}", re.I)
_PARTICLES = {
    "al", "bin", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du",
    "el", "la", "le", "ten", "ter", "van", "von", "zu",
    "and", "und", "et", "y", "e", "og", "en", "och", "i", "&",
}  # fmt: skip
_CJK = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff·・]{2,6}$")
_OUT_OF_ARTICLE = {"nav", "footer", "aside", "form", "button", "select"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "h1", "h2", "h3", "title", "time"}


def name_like(name: str) -> bool:
    """True for how bylines write people: capitalised words, particles, initials, titles."""
    if not 2 <= len(name) <= 60 or any(c.isdigit() or c in "@/:=<>" for c in name):
        return False
    if _CJK.match(name):
        return True
    words = name.split()
    if not 1 <= len(words) <= 7:
        return False
    capitalised = [w for w in words if w[0].isupper()]
    return bool(capitalised) and all(w[0].isupper() or w in _PARTICLES for w in words)


def _names(text: str, *, min_words: int = 1) -> list[str]:
    """The names of a byline text (label removed), or none unless every piece is a name."""
    names = [p.strip(" .()（）[]") for p in _SPLIT_NAMES.split(text.strip(" ()（）[]"))]
    names = [n for n in names if n]
    ok = all(name_like(n) and (len(n.split()) >= min_words or _CJK.match(n)) for n in names)
    return names if ok else []


def _in_chrome(node: etree._Element) -> bool:
    """Inside navigation, a footer, a sidebar or a form: not the article's byline."""
    return any(isinstance(a.tag, str) and a.tag in _OUT_OF_ARTICLE for a in node.iterancestors())


@dataclass
class Bylines:
    """Names the visible page gives, in page order."""

    labelled: list[str] = field(default_factory=list)  # "By Jane Doe", "Von: Max Muster"
    by_class: list[str] = field(default_factory=list)  # <span class="author">Jane Doe</span>
    editors: list[str] = field(default_factory=list)  # "Editor: Jane Doe", "(责编：…)"


def visible_bylines(tree: etree._Element) -> Bylines:
    """Bylines in the page's visible text.

    A byline is a short element that starts with a label ("By", "Von:", "Par") followed
    by names and nothing else, or an element whose class, itemprop or rel says author
    or byline. Elements labelled as the editor's ("Editor:", "责编：") give editors.
    """
    out = Bylines()
    body = tree.find(".//body")
    if body is None:
        return out
    done: set[etree._Element] = set()
    for node in body.iter(etree.Element):
        if node.tag in _SKIP_TAGS:
            continue
        own = node.text
        labelled = bool(own and own.strip() and _LABEL.match(own))
        by_class = False
        if node.attrib:
            marks = " ".join(
                (node.get("class") or "", node.get("itemprop") or "", node.get("rel") or "")
            ).lower()
            by_class = "author" in marks or "byline" in marks
        if not (by_class or labelled):
            continue
        if any(a in done for a in node.iterancestors()) or _in_chrome(node):
            continue
        text = " ".join(_INVISIBLE.sub("", "".join(node.itertext())).split())
        if not text or len(text) > 160:
            continue
        if m := _EDITOR_LABEL.match(text):
            found, bucket = _names(text[m.end() :]), out.editors
        elif m := _BYLINE_LABEL.match(text):
            # two words at least: "von Montag" is a date, "von Dr. Max Kolter" a byline
            found, bucket = _names(text[m.end() :], min_words=2), out.labelled
        elif by_class:
            found, bucket = _names(text), out.by_class
        else:
            continue
        if found:
            bucket += [n for n in found if n not in bucket]
            done.add(node)
    return out


def _squeeze(text: str) -> str:
    """Letters and digits only, case-folded: 'DER SPIEGEL' ~ 'Der-Spiegel'."""
    return "".join(c for c in text.casefold() if c.isalnum())


def is_outlet(name: str, site_names: list[str]) -> bool:
    """True when an 'author' is the outlet itself: its name, its domain or its initials."""
    mine = _squeeze(name)
    if not mine:
        return False
    for site in site_names:
        forms = {_squeeze(site)}
        if "." in site and " " not in site:  # a host: "lto.de", "news.orf.at"
            labels = [x for x in site.casefold().split(".")[:-1] if x != "www"]
            forms |= {_squeeze(x) for x in labels} | {_squeeze("".join(labels))}
        words = re.findall(r"\w+", site)
        if len(words) >= 2:
            forms.add("".join(w[0] for w in words).casefold())
        if mine in forms:
            return True
    return False


def labelled_editors(tree: etree._Element, names: list[str]) -> set[str]:
    """Those of ``names`` the visible page gives after an editor label ("Editor: …")."""
    if not names:
        return set()
    names = names[:10]
    test = " or ".join(f"contains(., $n{i})" for i in range(len(names)))
    hits = tree.xpath(
        f"//body//text()[{test}][not(parent::script)]",
        **{f"n{i}": n for i, n in enumerate(names)},
    )
    out: set[str] = set()
    for hit in hits[:10]:
        node = hit.getparent()
        for el in (node, node.getparent() if node is not None else None):
            if el is None:
                continue
            text = " ".join("".join(el.itertext()).split())
            if len(text) <= 160 and _EDITOR_LABEL.match(text):
                out |= {n for n in names if n in text}
    return out


def choose_authors(
    stated: Stated, tree: etree._Element, byline: Callable[[], str | None]
) -> list[str]:
    """Who wrote the page, best statement first.

    People named in JSON-LD, else organisations named there, else people in meta tags,
    else ``byline()`` (trafilatura's layout search), else a labelled visible byline
    ("Von: …"), else an element classed as the author's, else the outlet as the page
    states it, else the editors it names. A stated "person" that is the outlet itself
    (its name, domain or initials) or whom the page labels as its editor yields to a
    byline naming someone else.
    """
    stated_people = list(dict.fromkeys(stated.ld_people + stated.authors))
    edited = {_squeeze(n) for n in labelled_editors(tree, stated_people)}

    def people(names: list[str]) -> list[str]:
        return [
            n for n in names if _squeeze(n) not in edited and not is_outlet(n, stated.site_names)
        ]

    if found := people(stated.ld_people):
        return found
    if stated.organisations:
        return stated.organisations
    if found := people(stated.authors):
        return found
    if (traced := byline()) and people([traced]) and not labelled_editors(tree, [traced]):
        return [traced]
    # Only pages that state no author and have no byline trafilatura finds get here.
    seen = visible_bylines(tree)
    edited |= {_squeeze(e) for e in seen.editors}
    for names in (seen.labelled, seen.by_class):
        if found := people(names):
            return found
    return [n for n in stated.authors if _squeeze(n) not in edited] or seen.editors
