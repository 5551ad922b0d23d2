"""The Content Security Policy every response carries (django-csp), imported by the settings.

Enforced, not only reported: pages load scripts, styles, fonts and images from the app's own
origin only, and nothing runs or styles inline. The two print stylesheets that name the
document's security marking in their page margins are the one exception, and they carry the
request's nonce (``NONCE`` below is sent only on a response that used it). A digest email, which
needs its inline styles, is framed from its own address with its own narrower policy
(``EMAIL_FRAME_POLICY``), never through ``srcdoc``, which would inherit this one.
"""

from csp.constants import NONCE, NONE, SELF

# sha256 of "border-top: 0", base64.
SIMPLE_HISTORY_PAGINATOR = "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # The one style attribute a page may carry: django-simple-history's history page
        # writes <p class="paginator" style="border-top: 0">, and only that exact declaration
        # is allowed, by its hash.
        "style-src": [SELF, NONCE, "'unsafe-hashes'", SIMPLE_HISTORY_PAGINATOR],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# An email's HTML shown inside the tracker's own page: inline styles (email clients need them),
# images only as data: URLs, nothing else loaded, no script, no form; framed only by the tracker;
# and sandboxed even when opened on its own, so its links can open a new tab and nothing more.
EMAIL_FRAME_POLICY = {
    "default-src": [NONE],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [SELF],
    "sandbox": ["allow-popups", "allow-popups-to-escape-sandbox"],
}
