"""Citations from MediaWiki wikitext (Wikipedia articles and other wikis).

Reference entries are ``<ref>...</ref>`` footnotes and citation templates standing on
their own (a "Further reading" list); the rest of the page is free text, one entry per line.

* Citation templates give their URL parameters with the template's accessed-on date;
  an archive URL is cited too, with no accessed-on date (that date belongs to the original
  URL). The templates and their parameter names are those of the ten largest Wikipedias
  (en, de, fr, es, it, nl, pl, pt, ru, ja; ja and ru mostly use the English names), aliases
  included, as their template documentation (TemplateData) gives them: ``{{cite web}}``,
  ``{{Internetquelle}}`` and ``{{Literatur}}`` (``zugriff``, ``abruf``), ``{{Lien web}}``
  (``consulté le``, ``lire en ligne``), ``{{Cita web}}`` (``fechaacceso``, ``urlarchivo``;
  Italian ``accesso``, ``urlarchivio``), ``{{Citeer web}}`` (``bezochtdatum``,
  ``archiefurl``), ``{{Cytuj stronę}}`` (``data dostępu``, ``archiwum``), ``{{Citar web}}``
  (``acessodata``, ``arquivourl``), ``{{Статья}}``/``{{Книга}}`` (``ссылка``,
  ``дата обращения``), any spacing or case.
* Other links (``[http://x title]``, bare URLs, URLs in other templates) are found in
  the rendered text of their entry, and an accessed-on phrase there ("Retrieved 30 April
  2011") is bound to its own URL by :func:`citations_from_text`. A date in one ``<ref>``
  never goes to a URL in another.

Parsing is mwparserfromhell's.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import mwparserfromhell
from mwparserfromhell.nodes import (
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.parser import ParserError
from mwparserfromhell.wikicode import Wikicode

from linkcheck.extract.dates import field_date, find_accessed
from linkcheck.extract.text import Anchor, citations_from_text
from linkcheck.extract.urls import delimited_url, is_archive_url
from linkcheck.models import Citation, Extraction, ExtractOptions

FORMAT = "wikitext"

_TEXT_LIMIT = 300
# Citation templates of the ten largest Wikipedias, by name (lower case, "_" as a space) or by
# the start of their name. Names from each wiki's template documentation.
_CITE_NAMES = {
    "citation", "web cite", "wikicite",
    "internetquelle", "literatur", "webarchiv",  # de
    "lien web", "lien brisé", "lien archive", "lien conférence", "lien vidéo", "article",  # fr
    "ouvrage", "chapitre", "périodique",
    "статья", "книга", "публикация", "веб-ссылка",  # ru
    "webbref", "tidningsref", "bokref", "tidskriftsref",  # sv
    "kilde www", "kilde bok", "kilde artikkel", "kilde avis", "kilde", "kjelde",  # no, nn, da
    "verkkoviite", "kirjaviite", "lehtiviite", "uutisviite",  # fi
    "web kaynağı", "kitap kaynağı", "haber kaynağı", "akademik dergi kaynağı", "dergi kaynağı",  # tr
}  # fmt: skip
_CITE_PREFIXES = (
    "cite", "vcite",  # en, ja, ru
    "cita ",  # es, it
    "citeer ",  # nl
    "cytuj",  # pl
    "citar ",  # pt
    "citace ",  # cs
    "ref-",  # ca
)  # fmt: skip
# Parameter names after _param_name (lower case, spaces and "_" as "-").
_ACCESS_PARAMS = {
    "access-date", "accessdate", "accessed",  # en, ja, ru
    "zugriff", "abruf", "abrufdatum", "abgerufen",  # de
    "consulté-le", "consulte-le", "consulté",  # fr
    "fechaacceso", "fecha-acceso", "fechadeacceso", "fecha-de-acceso",  # es
    "accesso", "data-accesso", "dataaccesso",  # it
    "bezochtdatum", "datum-bezocht", "bezocht",  # nl
    "data-dostępu", "datadostępu", "dostęp",  # pl
    "acessodata", "acesso-data", "data-acesso", "acessadoem", "acesso",  # pt
    "дата-обращения", "дата-доступа", "датаобращения",  # ru
    "アクセス日", "閲覧日",  # ja
    "hämtdatum", "hämtad",  # sv
    "besøksdato", "besøgsdato", "hentet", "henta", "vitja",  # no, da, nn
    "viitattu",  # fi
    "přístup", "pristup",  # cs
    "consulta", "dataconsulta",  # ca
    "erişimtarihi", "erişim-tarihi",  # tr
}  # fmt: skip
_ARCHIVE_PARAMS = {
    "archive-url", "archiveurl",  # en
    "archiv-url", "archivurl",  # de
    "archive", "url-archive",  # fr
    "urlarchivo", "url-archivo", "urlarchive",  # es
    "urlarchivio", "url-archivio",  # it
    "archiefurl", "archief-url",  # nl
    "archiwum",  # pl
    "arquivourl", "arquivo-url", "urlarquivo",  # pt
    "архив", "архив-url", "архивurl",  # ru
    "arkivurl", "arkiv-url",  # sv, no, da
    "arkisto",  # fi
    "arxiuurl", "arxiu-url",  # ca
    "arşivurl", "arşiv-url",  # tr
}  # fmt: skip
# Parameters whose value is a URL although the name does not end in "url".
_URL_PARAMS = {
    "online", "onlineurl",  # de Literatur
    "lire-en-ligne", "présentation-en-ligne", "url-texte",  # fr
    "ссылка", "ссылка-часть",  # ru
    "enlace",  # es
    "osoite",  # fi
}  # fmt: skip
_NOT_URL_PARAMS = {"dead-url", "deadurl", "url-status", "url-access", "urlstatus"}
_URL_VALUE = re.compile(r"\s*(?:(?:https?|ftp)://|//|www\.)", re.IGNORECASE)
# Tags whose content is not wikitext a reader sees as prose.
_OPAQUE_TAGS = {"nowiki", "pre", "math", "source", "syntaxhighlight", "code", "score", "timeline", "graph"}
# Links that show no text of their own: a file's options and caption, a category's sort key.
# MediaWiki names the File namespace (and its old alias Image) in every language a wiki is in
# (languages/messages/Messages*.php, $namespaceNames and $namespaceAliases); these are the ones
# of the Wikipedias the corpus and its likely neighbours come from.
_FILE_NAMES = (
    "file|image|media|datei|bild|medium|fichier|archivo|imagen|ficheiro|arquivo|imagem|"
    "immagine|bestand|afbeelding|plik|grafika|soubor|obrázek|fil|tiedosto|kuva|dosya|resim|"
    "файл|изображение|медиа|ファイル|画像|メディア|文件|檔案|图像|圖像|파일|그림|ملف|صورة|קובץ|תמונה"
)
_CATEGORY_NAMES = (
    "category|kategorie|catégorie|categoría|categoria|categorie|kategoria|kategori|kategória|"
    "luokka|категория|カテゴリ|分类|分類|분류|تصنيف|קטגוריה"
)
_MEDIA_PREFIX = re.compile(rf"^\s*:?\s*(?:{_FILE_NAMES}|{_CATEGORY_NAMES})\s*:", re.IGNORECASE)
_FILE_OPTION = re.compile(r"\s*(?:link|alt|page|lang|class|upright|thumb|thumbnail|frame)\s*=", re.IGNORECASE)
_FILE_PREFIX = re.compile(rf"^\s*(?:{_FILE_NAMES})\s*:", re.IGNORECASE)


# Parameters that hold an editor's note to other editors, shown on the page at most as a
# tooltip, never as a link: the `reason` of maintenance templates ({{Update after|2011|reason=
# Regularly check ... http://...}}, {{Citation needed|reason=...}}, {{Clarify|reason=...}};
# https://en.wikipedia.org/wiki/Template:Update_after). A URL there is not cited, like one
# in an HTML comment.
_NOTE_PARAMS = frozenset({"reason"})


def sniff(text: str) -> bool:
    """Whether a text looks like wikitext: citation templates, ``<ref>`` tags, ``[[links]]``."""
    head = text[:8192]
    score = 0
    score += 2 * len(re.findall(r"\{\{\s*(?:cite|citation)\b", head, re.IGNORECASE))
    score += 2 * len(re.findall(r"<ref[\s>]", head, re.IGNORECASE))
    score += len(re.findall(r"\[\[[^\]\n]+\]\]", head))
    score += len(re.findall(r"^==+[^=\n]+==+\s*$", head, re.MULTILINE))
    score += len(re.findall(r"'''[^'\n]+'''", head))
    return score >= 4


def _is_cite(template: Template) -> bool:
    """A citation template: one of the known names, or any template that gives an accessed-on
    date under one of the known parameter names (a wiki's own template this table lacks)."""
    name = re.sub(r"<!--.*?-->", "", str(template.name), flags=re.DOTALL)
    name = " ".join(name.strip().lower().replace("_", " ").split())
    name = re.sub(
        r"^(?:template|vorlage|modèle|plantilla|sjabloon|szablon|predefinição|шаблон|mall|mal|malline"
        r"|šablona|plantilla|şablon)\s*:\s*",
        "",
        name,
    )
    if name.startswith(_CITE_PREFIXES) or name in _CITE_NAMES:
        return True
    return any(
        _param_name(str(param.name)) in _ACCESS_PARAMS and str(param.value).strip()
        for param in template.params
        if param.showkey
    )


def _param_name(raw: str) -> str:
    return re.sub(r"[\s_]+", "-", raw.strip().lower())


@dataclass(slots=True)
class _Rendered:
    """Plain text rendered from wikitext, with link anchors and a map back to source offsets."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    anchors: list[Anchor] = field(default_factory=list)
    seg_out: list[int] = field(default_factory=list)
    seg_src: list[int] = field(default_factory=list)
    seg_exact: list[bool] = field(default_factory=list)

    def emit(self, s: str, src: int, exact: bool = False) -> None:
        if not s:
            return
        self.seg_out.append(self.length)
        self.seg_src.append(src)
        self.seg_exact.append(exact)
        self.parts.append(s)
        self.length += len(s)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def source_pos(self, pos: int) -> int:
        k = bisect.bisect_right(self.seg_out, pos) - 1
        if k < 0:
            return self.seg_src[0] if self.seg_src else 0
        return self.seg_src[k] + (pos - self.seg_out[k] if self.seg_exact[k] else 0)


@dataclass(slots=True)
class _Entry:
    """One reference entry: a ``<ref>``'s content or a citation template outside refs."""

    code: Wikicode
    pos: int


class _Walker:
    """Walks the page once, rendering free text and collecting reference entries."""

    def __init__(self, source: str, options: ExtractOptions) -> None:
        self.source = source
        self.options = options
        self.entries: list[_Entry] = []
        self.notes: list[str] = []
        self.newlines = [m.start() for m in re.finditer("\n", source)]

    # -- offsets ------------------------------------------------------------------
    @staticmethod
    def children(code: Wikicode, pos: int) -> list[tuple[Node, int]]:
        out = []
        for node in code.nodes:
            out.append((node, pos))
            pos += len(str(node))
        return out

    @staticmethod
    def tag_contents_pos(tag: Tag, pos: int) -> int:
        s = str(tag)
        c = str(tag.contents) if tag.contents is not None else ""
        idx = len(tag.wiki_markup) if tag.wiki_markup else s.find(">") + 1
        if s[idx : idx + len(c)] != c:
            idx = max(s.find(c), 0)
        return pos + idx

    @staticmethod
    def param_positions(t: Template, pos: int) -> list[tuple[object, int]]:
        """Each parameter of a template with the source offset of its value."""
        out: list[tuple[object, int]] = []
        p = pos + 2 + len(str(t.name))
        for param in t.params:
            p += 1  # the pipe
            value_pos = p + (len(str(param.name)) + 1 if param.showkey else 0)
            out.append((param, value_pos))
            p += len(str(param))
        return out

    # -- rendering ----------------------------------------------------------------
    def render(
        self,
        code: Wikicode,
        pos: int,
        out: _Rendered,
        *,
        collect: bool,
        in_ref: bool,
        cite_urls: bool,
    ) -> None:
        """Render wikicode as a reader sees it.

        ``collect``: record ``<ref>`` entries and lone citation templates instead of
        rendering them (the walk over the page outside references). ``cite_urls``: write a
        citation template's URL into the text (for display) rather than leave it out (for
        URL finding, where the template's URLs are taken from its parameters).
        """
        for node, p in self.children(code, pos):
            if isinstance(node, Text):
                self._emit_lines(str(node), p, out, in_ref=in_ref)
            elif isinstance(node, Tag):
                name = str(node.tag).strip().lower()
                if name == "ref":
                    if collect and not node.self_closing and node.contents is not None:
                        self.entries.append(_Entry(node.contents, self.tag_contents_pos(node, p)))
                    continue
                if name in ("br", "hr"):
                    out.emit(" " if in_ref else "\n\n", p)
                    continue
                if node.contents is None:
                    continue
                cp = self.tag_contents_pos(node, p)
                if name in _OPAQUE_TAGS:
                    out.emit(str(node.contents).replace("\n", " "), cp, exact=True)
                    continue
                self.render(node.contents, cp, out, collect=collect, in_ref=in_ref, cite_urls=cite_urls)
            elif isinstance(node, Template):
                if _is_cite(node):
                    if collect and not in_ref:
                        self.entries.append(_Entry(Wikicode([node]), p))
                        continue
                    self._render_cite(node, p, out, cite_urls=cite_urls)
                    continue
                for param, vp in self.param_positions(node, p):
                    if _param_name(str(param.name)) in _NOTE_PARAMS:  # type: ignore[attr-defined]
                        continue
                    value = param.value  # type: ignore[attr-defined]
                    before = out.length
                    self.render(value, vp, out, collect=collect, in_ref=in_ref, cite_urls=cite_urls)
                    if out.length > before:
                        out.emit(" " if in_ref else "\n\n", vp)
            elif isinstance(node, ExternalLink):
                url = str(node.url).strip()
                if node.brackets and node.title is not None and str(node.title).strip():
                    title_pos = p + 1 + len(str(node.url)) + 1
                    start = out.length
                    sub = _Rendered()
                    self.render(node.title, title_pos, sub, collect=False, in_ref=True, cite_urls=cite_urls)
                    title = " ".join(sub.text.split())
                    out.emit(title, p + 1)
                    out.anchors.append(Anchor(start, out.length, url, title or None))
                else:
                    out.emit(url, p + (1 if node.brackets else 0), exact=True)
            elif isinstance(node, Wikilink):
                if _MEDIA_PREFIX.match(str(node.title)):
                    if _FILE_PREFIX.match(str(node.title)) and node.text is not None:
                        text_pos = p + 2 + len(str(node.title)) + 1
                        self._render_caption(node.text, text_pos, out, collect=collect, in_ref=in_ref)
                    continue
                shown = node.text if node.text is not None else node.title
                out.emit(" ".join(_plain(shown).split()) or "", p)
            elif isinstance(node, Heading):
                out.emit("\n\n" + _plain(node.title).strip() + "\n\n", p)
            elif isinstance(node, HTMLEntity):
                out.emit(node.normalize(), p)
            elif isinstance(node, Comment):
                continue
            # Arguments ({{{x}}}) and anything else: nothing a reader sees.

    def _render_caption(
        self, code: Wikicode, pos: int, out: _Rendered, *, collect: bool, in_ref: bool
    ) -> None:
        """A shown file's caption, with its references: what follows its last option.

        ``[[File:x.jpg|thumb|250px|Caption<ref>...</ref>]]``: the options (size, place,
        ``link=``, ``alt=``) are separated by pipes in the link's text, the caption comes last,
        and its footnotes are as much the page's references as those in the prose. A pipe
        counts where it is the link's own: in its text, or after a bare URL of ``link=``,
        which mwparserfromhell reads on past the pipe.
        """
        source = str(code)
        cut = -1
        for node, p in self.children(code, pos):
            if isinstance(node, Text) or (isinstance(node, ExternalLink) and not node.brackets):
                bar = str(node).rfind("|")
                if bar >= 0:
                    cut = p - pos + bar
        caption = source[cut + 1 :]
        if not caption.strip() or _FILE_OPTION.match(caption):
            return  # no caption: the last thing is an option ("link=https://...", "alt=...")
        start = pos + cut + 1
        self.render(
            mwparserfromhell.parse(caption), start, out, collect=collect, in_ref=in_ref, cite_urls=False
        )
        out.emit(" " if in_ref else "\n\n", start)

    def _emit_lines(self, s: str, p: int, out: _Rendered, *, in_ref: bool) -> None:
        """Emit text line by line. Outside references each source line is its own entry
        (a blank line between them keeps a date on one line from binding to a URL on the
        next); inside a reference the lines are joined."""
        offset = 0
        for piece in re.split(r"(\n)", s):
            if piece == "\n":
                out.emit(" " if in_ref else "\n\n", p + offset)
            else:
                # Bold and italic quotes the parser left as text (unbalanced on their line).
                bare = re.sub(r"'{2,}", "", piece)
                out.emit(bare, p + offset, exact=bare == piece)
            offset += len(piece)

    def _render_cite(self, t: Template, pos: int, out: _Rendered, *, cite_urls: bool) -> None:
        fields: dict[str, str] = {}
        for param in t.params:
            fields.setdefault(_param_name(str(param.name)), " ".join(_plain(param.value).split()))
        author = fields.get("author") or ", ".join(
            x for x in (fields.get("last", ""), fields.get("first", "")) if x
        )
        pieces = [author]
        for key in (
            "title",
            "chapter",
            "work",
            "newspaper",
            "website",
            "journal",
            "publisher",
            "date",
            "year",
        ):
            if fields.get(key):
                pieces.append(fields[key].strip("'"))
        if cite_urls and fields.get("url"):
            pieces.append(fields["url"])
        text = ". ".join(x.rstrip(". ") for x in pieces if x)
        out.emit(text + ". " if text else " ", pos)

    # -- citation templates ---------------------------------------------------------
    def cite_citations(self, t: Template, pos: int, entry_text: str) -> list[Citation]:
        """The URLs of one citation template, each with the template's accessed-on date."""
        urls: list[tuple[str, str, bool, int]] = []  # (name, cited, is_archive, value pos)
        linked: list[tuple[str, int]] = []  # links in other parameters: (cited, value pos)
        accessed_raw: str | None = None
        title: str | None = None
        for param, vp in self.param_positions(t, pos):
            name = _param_name(str(param.name))  # type: ignore[attr-defined]
            value = " ".join(_plain(param.value).split())  # type: ignore[attr-defined]
            if not value and not (name in _ACCESS_PARAMS and param.value.filter_templates()):  # type: ignore[attr-defined]
                continue
            if name in _ACCESS_PARAMS and accessed_raw is None:
                accessed_raw = _date_value(param.value)  # type: ignore[attr-defined]
            elif name == "title" and title is None:
                title = value.strip("'\" ")
            elif (
                (name.endswith("url") and name not in _NOT_URL_PARAMS)
                or name in _ARCHIVE_PARAMS
                or name in _URL_PARAMS
                or not param.showkey  # type: ignore[attr-defined]
            ) and _URL_VALUE.match(self._raw_url(param.value)):  # type: ignore[attr-defined]
                cited = self._raw_url(param.value).split()[0]  # type: ignore[attr-defined]
                urls.append((name, cited, name in _ARCHIVE_PARAMS, vp))
            elif name != "title":
                # A bracketed link in another parameter ("pages=[http://books.google.com/...&pg=PA2
                # 2]") is a link the reader follows to that page of the work; the access date is
                # the template's url's, so it stays undated.
                for link in param.value.filter_external_links(recursive=True):  # type: ignore[attr-defined]
                    if link.brackets and _URL_VALUE.match(str(link.url).strip()):
                        linked.append((str(link.url).strip(), vp))
        if not urls and not linked:
            return []
        accessed: dt.date | None = None
        if accessed_raw:
            line = self.line_at(pos)
            accessed = field_date(accessed_raw, self.options, self.notes, f"line {line}: access-date")
        # A Wayback address as the template's own url (no archive-url beside an original) is
        # the link the writer gave and read on the day the template says: it takes the date.
        # Beside the original's url, an archived copy is a fallback and is not dated.
        originals = sum(1 for _n, c, is_archive, _v in urls if not is_archive and not is_archive_url(c))
        found: list[Citation] = []
        # (A link in another parameter takes no date: passed on as a copy would be.)
        for _name, cited, is_archive, vp in urls + [("", cited, True, vp) for cited, vp in linked]:
            url = delimited_url(cited, scheme_less=False) or delimited_url(cited)
            if url and any(c.url == url for c in found):
                continue
            if not url:
                self.notes.append(f"line {self.line_at(vp)}: {cited!r} is not a URL")
                continue
            at = self.source.find(cited, vp)
            found.append(
                Citation(
                    cited=cited,
                    url=url,
                    line=self.line_at(at if at >= 0 else vp),
                    text=entry_text,
                    accessed=None if is_archive or (originals and is_archive_url(url)) else accessed,
                    title=title or None,
                )
            )
        return found

    @staticmethod
    def _raw_url(value: Wikicode) -> str:
        """A parameter value as the URL it holds: ``[http://x title]`` gives ``http://x``."""
        links = value.filter_external_links(recursive=False)
        if links:
            url = str(links[0].url).strip()
            # The parser ends a free link before its last "?" or "!"; a parameter holding the
            # address alone ends where the parameter does, so that mark is the address's.
            whole = str(value).strip()
            if not links[0].brackets and whole.startswith(url) and re.fullmatch(r"[!?]+", whole[len(url) :]):
                return whole
            return url
        return " ".join(_plain(value).split())

    def line_at(self, pos: int) -> int:
        """The 1-based source line of an offset."""
        return bisect.bisect_right(self.newlines, pos - 1) + 1


def _plain(code: Wikicode | None) -> str:
    """Wikicode as plain text: links as their text, templates and comments dropped."""
    if code is None:
        return ""
    return str(code.strip_code(normalize=True, collapse=True, keep_template_params=False))


def _date_value(code: Wikicode) -> str:
    """An accessed-on parameter's value as text, a date template in it given by its arguments.

    Wikipedias write dates through templates as well: French ``{{date-|3 mars 2020}}`` and
    ``{{Date|3|mars|2020}}``, ``{{date|2020-03-03}}`` elsewhere. Their unnamed arguments, joined
    by spaces, are the date; a template whose arguments do not read as one day gives none.
    """
    if not code.filter_templates(recursive=False):
        return " ".join(_plain(code).split())
    parts: list[str] = []
    for node in code.nodes:
        if isinstance(node, Template):
            parts.extend(_plain(p.value) for p in node.params if not p.showkey)
        else:
            parts.append(_plain(Wikicode([node])))
    return " ".join(" ".join(parts).split())


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1].rstrip() + "…"


def extract(text: str, options: ExtractOptions) -> Extraction:
    """Every cited URL of a wikitext page, each with its own accessed-on date."""
    result = Extraction(format=FORMAT)
    try:
        code = mwparserfromhell.parse(text)
    except ParserError as e:  # the tokenizer's own failure on odd text: the document's problem
        raise ValueError(f"not readable wikitext: {e}") from e
    walker = _Walker(text, options)
    line_of_source = walker.line_at

    # The page outside references: free text, one line one entry; entries are collected.
    page = _Rendered()
    walker.render(code, 0, page, collect=True, in_ref=False, cite_urls=False)
    citations = _free_citations(page, options, result.notes, line_of_source, None)

    for entry in walker.entries:
        display = _Rendered()
        walker.render(entry.code, entry.pos, display, collect=False, in_ref=True, cite_urls=True)
        entry_text = _trim(display.text)
        cited: list[Citation] = []
        for t, tp in _cite_templates(walker, entry.code, entry.pos):
            cited.extend(walker.cite_citations(t, tp, entry_text))
        prose = _Rendered()
        walker.render(entry.code, entry.pos, prose, collect=False, in_ref=True, cite_urls=False)
        free = _free_citations(prose, options, result.notes, line_of_source, entry_text)
        citations.extend(cited if free else _dated_after_template(cited, prose.text, options))
        citations.extend(free)

    result.notes.extend(walker.notes)
    citations.sort(key=lambda c: c.line or 0)
    result.citations = citations
    return result


def _dated_after_template(cited: list[Citation], prose: str, options: ExtractOptions) -> list[Citation]:
    """A reference's template citations, dated by an accessed-on phrase written after the template.

    "<ref>{{Lien web|url=...|titre=...}}, consulté le 3 mars 2020</ref>": the template gives no
    date of its own and the phrase is outside it. The phrase dates the template's URL only when
    nothing else could be meant: one URL (besides archived copies), no date of its own, no other
    link in the reference, and one dated phrase.
    """
    originals = {c.url for c in cited if not is_archive_url(c.url)}
    if len(originals) != 1 or any(c.accessed for c in cited):
        return cited
    dates = [m.date for m in find_accessed(prose, options.date_order, options.today) if m.date]
    if len(dates) != 1:
        return cited
    return [c if is_archive_url(c.url) else dataclasses.replace(c, accessed=dates[0]) for c in cited]


def _cite_templates(walker: _Walker, code: Wikicode, pos: int) -> list[tuple[Template, int]]:
    """Citation templates in an entry, at any depth, with their source offsets."""
    found: list[tuple[Template, int]] = []
    for node, p in walker.children(code, pos):
        if isinstance(node, Template):
            if _is_cite(node):
                found.append((node, p))
            else:
                for param, vp in walker.param_positions(node, p):
                    found.extend(_cite_templates(walker, param.value, vp))  # type: ignore[attr-defined]
        elif isinstance(node, Tag) and node.contents is not None and str(node.tag).strip().lower() != "ref":
            found.extend(_cite_templates(walker, node.contents, walker.tag_contents_pos(node, p)))
    return found


def _free_citations(
    rendered: _Rendered,
    options: ExtractOptions,
    notes: list[str],
    line_of_source: Callable[[int], int],
    entry_text: str | None,
) -> list[Citation]:
    """Links and accessed-on phrases in rendered prose, bound by citations_from_text."""
    text = rendered.text
    if not text.strip():
        return []
    # The text of a [url text] link is its label: an address written there ("Fotos auf
    # www.herp.it") is not a second citation.
    found = citations_from_text(
        text,
        options,
        anchors=rendered.anchors,
        anchors_override=True,
        line_of=lambda pos: line_of_source(rendered.source_pos(pos)),
        notes=notes,
        # MediaWiki links only addresses that name their protocol: "[[UEFA]]. uefa.com/" or
        # "www.x.org" in prose is text a reader cannot follow, not a cited URL.
        scheme_only=True,
        dated_copies=entry_text is not None,
    )
    # An archived copy takes no accessed-on date beside its original (the date is the
    # original's); in a reference that links only the copy ("[http://web.archive.org/web/2006/
    # http://x.de/ Title] Retrieved 30 November 2006."), the copy is what the writer read on
    # that day, as for a template whose own url is the copy (cite_citations).
    alone = entry_text is not None and all(is_archive_url(c.url) for c in found)
    out = []
    for c in found:
        accessed = None if is_archive_url(c.url) and not alone else c.accessed
        out.append(
            Citation(
                cited=c.cited,
                url=c.url,
                line=c.line,
                text=entry_text if entry_text is not None else c.text,
                accessed=accessed,
                title=c.title,
            )
        )
    return out
