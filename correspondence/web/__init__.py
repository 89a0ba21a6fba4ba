"""The complaints team's web pages and the case systems' API (``letters serve``, docs/commands.md#letters-serve).

A small Flask application on the same case store, ledger and outbox as the commands:
``app.create_app`` builds it, ``security`` signs people in and guards every request, ``pages``
and ``api`` answer them, ``views`` reads what the pages show, ``records`` takes a record posted
to the API through the inbox's own checks. Served by waitress (``cli/serve.py``).
"""
