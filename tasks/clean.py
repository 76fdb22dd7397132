"""Stage 3, clean: strip the boilerplate that survives extraction or comes with pasted text.

Rules are general (French and English, some German and Spanish), never keyed to one site.
Every removed block is kept in ``Document.removed`` with the name of the rule that removed
it; bylines, tag lines and datelines also become metadata. Rule names are listed in
``RULES`` and documented in the README.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from tasks.documents import Block, Document, Removed
from tasks.extract import is_title_like, title_from_lede
from tasks.text import fold

RULES = {
    "nav_crumb": "navigation crumbs ('Home Actualité', 'Accueil > Monde'), glued or alone",
    "duplicate_title": "the title repeated in the body",
    "title_teaser": "a truncated copy of the title (accents and case ignored)",
    "teaser_duplicate": "a truncated copy of a later paragraph",
    "byline": "an author line ('by Sara', 'Par Jean Dupont'); the name becomes the author",
    "tag_list": "a list of tags or keywords; they become the tags",
    "dateline": "a 'Publié le …' / 'Updated …' line; the date becomes the publication date",
    "related_links": "'You may also like', 'Lire aussi', and the headline list after it",
    "comments": "comment prompts ('Leave a Comment', 'Réagir', '12 commentaires')",
    "share_social": "share and follow buttons ('Partager', 'Facebook Twitter', 'Suivez-nous')",
    "subscribe": "newsletter, subscription and log-in prompts",
    "cookie_notice": "cookie consent text",
    "advertisement": "advertising markers ('Publicité', 'Advertisement')",
    "media_credit": "photo and image credits, copyright lines",
    "reading_time": "'3 min read', 'Temps de lecture : 4 min'",
    "navigation": "stand-alone navigation words ('Menu', 'Retour en haut', 'Article suivant')",
    "stray_code": "a stray code or symbol line ('fr-02', '***', '#12')",
}

_UPPER = "A-ZÀ-ÖØ-ÞŒ"
_LOWER = "a-zß-öø-ÿœ"


def _words(text: str) -> int:
    return len(text.split())


def _phrases(*items: str) -> re.Pattern[str]:
    """A pattern matching a whole folded line equal to one of ``items`` (folded too)."""
    return re.compile("^(?:" + "|".join(re.escape(fold(i)) for i in items) + ")$")


# --- navigation crumbs ---------------------------------------------------------------

_SECTION_WORDS = (
    "Home|Homepage|Accueil|Startseite|Inicio|Actualités?|Actus?|News|Latest|Infos?|Monde|"
    "World|International|Politique|Politics|Économie|Economie|Economy|Business|Société|"
    "Society|Sports?|Culture|Tech|Science|Sciences|Santé|Health|Europe|France|Asie|Asia|"
    "Afrique|Africa|Amériques|Opinions?|Idées|Régions|Local|Breaking|Faits divers|Environnement|"
    "Planète|Défense|Diplomatie|Guerre|Conflits|A la une|À la une"
)
_HOME = r"(?:Home|Homepage|Accueil|Startseite|Inicio)"
_CRUMB_SEP = r"\s*(?:[>›»/|•]\s*)?"
_GLUED_CRUMB = re.compile(
    rf"^(?P<crumb>{_HOME}(?:{_CRUMB_SEP}(?:{_SECTION_WORDS}))*|(?:{_SECTION_WORDS}))"
    rf"(?P<rest>(?<=[{_LOWER}])[{_UPPER}«\"“0-9].*|{_CRUMB_SEP}[{_UPPER}«\"“0-9].*|\s*)$"
)
_CRUMB_TRAIL = re.compile(r"^[\w'’ .-]{1,30}(?:\s*[>›»]\s*[\w'’ .-]{1,40}){1,6}$")


def split_crumb(text: str) -> tuple[str, str] | None:
    """Split a leading navigation crumb off a line: ('Home Actualité', 'La Corée…').

    A crumb is 'Home'/'Accueil' followed by section words, or one section word glued to
    the capitalised word after it ('ActualitéLa Corée'). Returns None when there is none.
    """
    m = _GLUED_CRUMB.match(text)
    if not m:
        return None
    crumb, rest = m.group("crumb"), m.group("rest").strip()
    rest = re.sub(r"^[>›»/|•]\s*", "", rest)
    glued = bool(rest) and text[len(crumb) : len(crumb) + 1] not in (" ", "")
    starts_home = re.match(_HOME, crumb) is not None
    if not (starts_home or glued):
        return None  # a lone section word followed by a space is an ordinary sentence
    return crumb.strip(), rest


def is_crumb_trail(text: str) -> bool:
    """A stand-alone breadcrumb line such as 'Accueil > Monde > Asie'."""
    return _words(text) <= 12 and bool(_CRUMB_TRAIL.match(text))


# --- line rules ----------------------------------------------------------------------

_RELATED_MARKER = _phrases(
    "You may also like",
    "You might also like",
    "Related",
    "Related articles",
    "Related posts",
    "Related stories",
    "Related content",
    "Read more",
    "Read also",
    "More on this story",
    "More stories",
    "More from",
    "Recommended",
    "Recommended for you",
    "Most read",
    "Trending",
    "Don't miss",
    "See also",
    "Vous aimerez aussi",
    "Vous aimerez aussi",
    "Vous pourriez aussi aimer",
    "À lire aussi",
    "A lire aussi",
    "Lire aussi",
    "À lire également",
    "Lire également",
    "À voir aussi",
    "Voir aussi",
    "Sur le même sujet",
    "Dans la même rubrique",
    "Les plus lus",
    "Les articles les plus lus",
    "Articles similaires",
    "Articles liés",
    "Nos articles",
    "Plus d'articles",
    "Ces articles peuvent vous intéresser",
    "À découvrir",
    "Contenus sponsorisés",
    "Sponsored content",
    "Das könnte Sie auch interessieren",
    "Mehr zum Thema",
    "Te puede interesar",
    "Noticias relacionadas",
)
_RELATED_INLINE = re.compile(
    r"^(?:à lire aussi|a lire aussi|lire aussi|à lire également|lire également|voir aussi|"
    r"read more|read also|see also|related|à voir aussi|mehr zum thema|lea también)"
    r"\s*[:|>»›-]\s*\S",
    re.I,
)
_COMMENTS = re.compile(
    r"^(?:leave a (?:comment|reply)|post a comment|add a comment|\d+\s+comments?|comments?|"
    r"show comments|view comments|join the conversation|cancel reply|"
    r"your email address will not be published.*|laisser un commentaire|"
    r"laissez un commentaire|ajouter un commentaire|\d+\s+commentaires?|commentaires?|"
    r"voir les commentaires|réagir|réagissez|réagir à cet article|kommentare|comentarios)$"
)
_SOCIAL_WORDS = {
    "share",
    "shares",
    "this",
    "article",
    "partager",
    "partagez",
    "cet",
    "sur",
    "on",
    "tweet",
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "whatsapp",
    "telegram",
    "email",
    "e",
    "mail",
    "print",
    "imprimer",
    "copier",
    "copy",
    "le",
    "lien",
    "link",
    "pinterest",
    "reddit",
    "messenger",
    "envoyer",
    "teilen",
    "compartir",
    "bluesky",
    "threads",
    "mastodon",
}
_FOLLOW = re.compile(r"^(?:follow us|suivez nous|suivez nous sur .{1,40}|folgen sie uns.*)$")
_SUBSCRIBE = re.compile(
    r"(?:newsletter|s abonner|abonnez vous|abonne|abonnes|subscribe|subscriber|sign up|"
    r"inscrivez vous|s inscrire|se connecter|log in|sign in|deja abonne|already a subscriber|"
    r"reserve aux abonnes|premium)"
)
_COOKIE = re.compile(r"cookie")
_COOKIE_ACTION = re.compile(r"(?:accept|consent|utilis|use|parametr|settings|politique|policy)")
_ADVERT = _phrases(
    "Advertisement",
    "Publicité",
    "Passer la publicité",
    "Sponsored",
    "Annonce",
    "Anzeige",
    "Publicidad",
    "Ad",
    "Ads",
    "Pub",
    "Sponsorisé",
    "Contenu sponsorisé",
    "Partenaire",
)
_MEDIA_CREDIT = re.compile(
    r"^(?:photo|photos|image|images|crédit photo|crédits? photos?|credits?|illustration|vidéo|"
    r"video|source photo|©|\(c\)|copyright)\b.{0,100}$|^.{0,80}(?:©|tous droits réservés|"
    r"all rights reserved).{0,40}$",
    re.I,
)
_READING_TIME = re.compile(
    r"^(?:\d+\s*min(?:ute)?s?\.?\s*(?:read|de lecture|lesezeit)|"
    r"(?:temps de )?lecture\s*:?\s*\d+\s*min(?:utes?)?\.?|reading time\s*:?\s*\d+.*)$",
    re.I,
)
_NAVIGATION = _phrases(
    "Menu",
    "Search",
    "Rechercher",
    "Recherche",
    "Back to top",
    "Retour en haut",
    "Haut de page",
    "Accueil",
    "Home",
    "Skip to content",
    "Aller au contenu",
    "Aller au contenu principal",
    "Previous article",
    "Next article",
    "Article précédent",
    "Article suivant",
    "Close",
    "Fermer",
    "Load more",
    "Voir plus",
    "Toggle navigation",
    "Lire la suite",
    "Continue reading",
    "Continuer la lecture",
    "Previous",
    "Next",
    "Précédent",
    "Suivant",
    "Sommaire",
    "Table of contents",
)
_STRAY_CODE = re.compile(
    r"^(?:[A-Za-z]{0,6}[-_./#:]?\d{1,6}[A-Za-z]{0,2}|#\w{1,12}|[^\w\s]{1,12}|\d{1,6})$"
)

_NAME = rf"(?:[{_UPPER}][\w'’.-]*|(?:de|du|des|da|van|von|der|le|la|di|del|dos|bin|al)\b)"
_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,4}}"
_BYLINE = re.compile(
    rf"^(?i:by|par|von|por|door|written by|reported by|posted by|publié par|texte|auteur|"
    rf"author|autor)\s*:?\s+(?P<names>{_NAMES}(?:\s*(?:,|and|et|&|und|y)\s*{_NAMES})*)"
    rf"(?:\s*(?:[,|–—-]|\bà\b|\bin\b)\s*.{{0,60}})?$",
)
_TAG_PREFIX = re.compile(
    r"^(?:tags?|mots[ -]clés|mots[ -]clefs|sujets?|thèmes?|topics?|keywords|schlagworte|"
    r"etiquetas|catégories|categories)\s*:\s*(?P<rest>.+)$",
    re.I,
)
_TAG_SPLIT = re.compile(r"\s*[,;·•|]\s*|\s+#")

_MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_DATELINE = re.compile(
    r"^(?:publié|publie|mis à jour|mis a jour|modifié|actualisé|updated|published|posted|"
    r"last updated|veröffentlicht|aktualisiert|publicado)\b.{0,80}$",
    re.I,
)


def parse_date(text: str) -> date | None:
    """The first date written in ``text``: 2024-11-08, 08/11/2024, 8 novembre 2024, Nov 8, 2024."""
    candidates: list[tuple[int, int, int]] = []
    if m := re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text):
        candidates.append((int(m[1]), int(m[2]), int(m[3])))
    if m := re.search(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b", text):
        candidates.append((int(m[3]), int(m[2]), int(m[1])))
    lowered = text.lower()
    m = re.search(r"\b(\d{1,2})(?:er)?\s+([a-zéèûôà]+)\.?\s+(\d{4})\b", lowered)
    if m and (month := _MONTHS.get(m[2])) is not None:
        candidates.append((int(m[3]), month, int(m[1])))
    m = re.search(r"\b([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b", lowered)
    if m and (month := _MONTHS.get(m[1])) is not None:
        candidates.append((int(m[3]), month, int(m[2])))
    for year, month, day in candidates:
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def byline_names(text: str) -> str | None:
    """The author name(s) of a byline, or None when the line is not a byline."""
    if _words(text) > 14 or text.rstrip().endswith((".", "!", "?")):
        return None
    m = _BYLINE.match(text)
    if not m:
        return None
    names = m.group("names").strip(" ,")
    if not re.search(f"[{_UPPER}]", names):
        return None
    return names


def tag_items(text: str, *, header: bool) -> list[str] | None:
    """The tags of a tag line, or None. Without a 'Tags:' prefix only header lines count."""
    m = _TAG_PREFIX.match(text)
    if m:
        body = m.group("rest")
    elif header:
        body = text
    else:
        return None
    if body.rstrip().endswith((".", "!", "?", ":")):
        return None
    items = [i.strip().lstrip("#") for i in _TAG_SPLIT.split(body.strip()) if i.strip()]
    if not items or (not m and len(items) < 2) or len(items) > 15:
        return None
    for item in items:
        if _words(item) > 4 or len(item) > 40:
            return None
        if not m and not re.match(f"[{_UPPER}0-9]", item):
            return None
    return items


def _is_social(folded: str) -> bool:
    words = folded.split()
    return (
        0 < len(words) <= 12
        and all(w in _SOCIAL_WORDS for w in words)
        and any(
            w
            in {
                "share",
                "partager",
                "partagez",
                "tweet",
                "facebook",
                "twitter",
                "linkedin",
                "whatsapp",
                "teilen",
                "compartir",
                "imprimer",
                "print",
                "email",
            }
            for w in words
        )
    )


LineRule = Callable[[str, str], bool]

# (rule, test on (text, folded text)); checked in order, first match wins.
_LINE_RULES: list[tuple[str, LineRule]] = [
    (
        "comments",
        lambda t, f: (
            (_words(t) <= 12 and bool(_COMMENTS.match(f.replace(" ", " "))))
            or bool(_COMMENTS.match(t.lower().strip(" :.!")))
        ),
    ),
    (
        "related_links",
        lambda t, f: (
            bool(_RELATED_MARKER.match(f)) or (_words(t) <= 30 and bool(_RELATED_INLINE.match(t)))
        ),
    ),
    ("share_social", lambda t, f: _is_social(f) or bool(_FOLLOW.match(f))),
    ("subscribe", lambda t, f: _words(t) <= 20 and bool(_SUBSCRIBE.search(f))),
    (
        "cookie_notice",
        lambda t, f: _words(t) <= 80 and bool(_COOKIE.search(f)) and bool(_COOKIE_ACTION.search(f)),
    ),
    ("advertisement", lambda t, f: bool(_ADVERT.match(f))),
    ("reading_time", lambda t, f: bool(_READING_TIME.match(t.strip()))),
    ("media_credit", lambda t, f: _words(t) <= 16 and bool(_MEDIA_CREDIT.match(t.strip()))),
    ("navigation", lambda t, f: bool(_NAVIGATION.match(f)) or is_crumb_trail(t)),
    (
        "stray_code",
        lambda t, f: len(t) <= 14 and " " not in t.strip() and bool(_STRAY_CODE.match(t.strip())),
    ),
]


def line_rule(text: str, folded: str | None = None) -> str | None:
    """The name of the first line rule that ``text`` matches, or None."""
    folded = fold(text) if folded is None else folded
    for name, test in _LINE_RULES:
        if test(text, folded):
            return name
    return None


def _is_prose(text: str) -> bool:
    """A real body paragraph: long, or more than one sentence."""
    return _words(text) >= 20 or bool(re.search(r"[.!?…»\"]\s+\S", text))


# --- the cleaner ---------------------------------------------------------------------


_SEPARATORS = "[-–—|:]"
_SEPARATOR = re.compile(_SEPARATORS)  # a title without one cannot end with a site suffix


@lru_cache(maxsize=1024)
def _site_suffix(sitename: str) -> re.Pattern[str]:
    """The title with a site name after a separator (compiled once per site and worker)."""
    return re.compile(rf"^(?P<t>.+?)\s*{_SEPARATORS}\s*{re.escape(sitename)}\s*$", re.I)


def _strip_site_suffix(title: str, sitename: str | None) -> str:
    """'Headline - Le Monde' -> 'Headline' when the suffix is the site's name."""
    if not sitename or not _SEPARATOR.search(title):
        return title
    m = _site_suffix(sitename).match(title)
    return m.group("t") if m else title


def clean_document(doc: Document) -> Document:
    """Remove boilerplate blocks, recording each with its rule; fill title, author, tags.

    The title of a text document is its first line once any crumb is cut off; when the
    first line is a whole lede rather than a headline, a headline is built from its first
    sentence and the lede stays in the body.
    """
    removed: list[Removed] = []
    blocks: list[Block] = list(doc.blocks)

    def drop(block: Block, rule: str, text: str | None = None) -> None:
        removed.append(Removed(block.position, text if text is not None else block.text, rule))

    # Crumbs at the top: alone, or glued to the first line.
    while blocks:
        first = blocks[0]
        if is_crumb_trail(first.text) or fold(first.text) in {"home", "accueil"}:
            drop(first, "nav_crumb")
            blocks.pop(0)
            continue
        split = split_crumb(first.text)
        if split:
            crumb, rest = split
            drop(first, "nav_crumb", crumb)
            if rest:
                blocks[0] = Block(first.position, rest, first.kind)
            else:
                blocks.pop(0)
                continue
        break

    # Title.
    if doc.fmt == "text" and blocks:
        first = blocks[0]
        if is_title_like(first.text):
            doc.title, doc.title_source = first.text, "first_line"
            blocks.pop(0)
        else:
            doc.title, doc.title_source = title_from_lede(first.text), "lede"
    elif doc.title:
        doc.title = _strip_site_suffix(doc.title, doc.sitename)
    elif blocks:
        heading = next((b for b in blocks if b.kind == "heading"), None)
        doc.title, doc.title_source = (
            (heading.text, "heading") if heading else (title_from_lede(blocks[0].text), "lede")
        )

    title_key = fold(doc.title or "")
    keys = [fold(b.text) for b in blocks]
    prose = [_is_prose(b.text) for b in blocks]
    first_prose = next((i for i, p in enumerate(prose) if p), len(blocks))
    last_prose = max((i for i, p in enumerate(prose) if p), default=-1)
    kept: list[Block] = []
    in_related_tail = False
    for i, block in enumerate(blocks):
        text = block.text
        key = keys[i]
        header = i < first_prose or i > last_prose
        if not key:
            drop(block, "stray_code")
            continue
        if title_key and key == title_key:
            drop(block, "duplicate_title")
            continue
        if title_key and _words(text) >= 3 and title_key.startswith(key + " "):
            drop(block, "title_teaser")
            continue
        if (
            not prose[i]
            and _words(text) >= 5
            and any(k.startswith(key + " ") for k in keys[i + 1 : i + 3])
        ):
            drop(block, "teaser_duplicate")
            continue
        if (names := byline_names(text)) is not None:
            doc.author = doc.author or names
            drop(block, "byline")
            continue
        if (items := tag_items(text, header=header and i < first_prose)) is not None:
            doc.tags = doc.tags + [t for t in items if t not in doc.tags]
            drop(block, "tag_list")
            continue
        if _DATELINE.match(text) and (stated := parse_date(text)) is not None:
            doc.published = doc.published or stated
            drop(block, "dateline")
            continue
        rule = line_rule(text, key)
        if rule == "related_links" and _RELATED_MARKER.match(key):
            in_related_tail = True
        if rule:
            drop(block, rule)
            continue
        if in_related_tail and not prose[i] and _words(text) <= 25:
            # After a "You may also like" marker: the headline list. Past the last body
            # paragraph it runs to the end; inside the article it is one link.
            drop(block, "related_links")
            in_related_tail = i > last_prose
            continue
        in_related_tail = False
        kept.append(block)

    doc.blocks = kept
    doc.removed = sorted(removed, key=lambda r: r.position)
    return doc
