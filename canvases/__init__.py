"""The built-in canvases. Each subpackage is a plugin registered through the entry point group
``partnerboard``, using only :mod:`partnerboard.plugins`, exactly like a third-party plugin."""
