"""The layer every app stands on: what a deal-scoped app shares, and nothing that knows of one.

Today it holds the domain's base error (``core.errors``) and the glue every view uses
(``core.views``): the ``?deal=`` query kept on a page's links, and turning a service's refusal
into a form's errors. ``accounts``, ``missions``, ``tracker`` and ``briefings`` import it; it
imports none of them.
"""
