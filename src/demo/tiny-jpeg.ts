/**
 * A 16×16 grey baseline JPEG with no metadata segment at all (157 bytes; made for Airlock
 * with libjpeg's cjpeg from a generated gradient, JFIF APP0 removed). The demo's picture and thumbnail.
 */
export const TINY_JPEG: Uint8Array = Uint8Array.from(
  Buffer.from(
    '/9j/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBMS0dARkVQWnNiUFVtVkVGZIhlbXd7gYKBTmCNl4x9lnN+gXz/wAALCAAQABABAREA/8QAFgABAQEAAAAAAAAAAAAAAAAABQQG/8QAFxAAAwEAAAAAAAAAAAAAAAAAAAMEMf/aAAgBAQAAPwDOyqwZlVhFKrBqVWH/2Q==',
    'base64',
  ),
);
