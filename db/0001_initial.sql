-- Documents, the citations found in them, and the links those citations name.
-- One link per distinct normal form of a URL; every citation of it points at it.

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,          -- as given on the command line, relative to the working directory when inside it
    format TEXT NOT NULL,               -- text, markdown, rst, html, bibtex, ris, csljson, pdf, docx, wikitext
    sha256 TEXT NOT NULL,               -- of the file's bytes: an unchanged file is not seeded again
    size INTEGER NOT NULL,
    seeded_at TEXT NOT NULL,            -- UTC, ISO 8601
    citations INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,                  -- clean absolute URL as first cited (the report's url)
    normal TEXT NOT NULL UNIQUE,        -- normal form, for de-duplication (linkcheck.extract.urls.normalise_url)
    host TEXT,
    scheme TEXT,
    first_seen TEXT NOT NULL,
    verdict TEXT NOT NULL DEFAULT 'unchecked',
    reason TEXT,                        -- short code of the latest outcome (invalid-url for an unusable URL)
    problem TEXT                        -- why the URL is invalid, when it is
);
CREATE INDEX links_host ON links (host);
CREATE INDEX links_verdict ON links (verdict);

CREATE TABLE citations (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    link_id INTEGER NOT NULL REFERENCES links (id),
    position INTEGER NOT NULL,          -- order within the document
    line INTEGER,                       -- 1-based, NULL where the format has no lines
    cited TEXT NOT NULL,                -- the URL exactly as cited
    url TEXT NOT NULL,                  -- clean absolute form of this citation's URL
    accessed TEXT,                      -- YYYY-MM-DD, or NULL when the citation gives none
    title TEXT,
    text TEXT NOT NULL                  -- the reference entry, trimmed
);
CREATE INDEX citations_document ON citations (document_id, position);
CREATE INDEX citations_link ON citations (link_id);
