"""The browser side of partnerboard, installed as the ``partnerboard.web`` package.

It holds no Python: ``templates/`` (Jinja pages), ``static/`` (CSS, icons, small scripts) and
``dist/`` (the esbuild bundle of ``src/``) are its package data, so a wheel carries them and the
server finds them with ``importlib.resources`` (see ``partnerboard.server.web_files``).
"""
