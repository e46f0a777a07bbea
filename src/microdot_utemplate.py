"""Render HTML templates written in the uTemplate syntax.

Runs on CPython and MicroPython. Templates are compiled once, on first use,
by our own compiler (``_microdot_template``, imported then); when the real
``utemplate`` package is importable its ``recompile.Loader`` is used instead
(it follows its own rules: no HTML escaping, no ``{{! }}``).

Example::

    from microdot_utemplate import render_template

    @app.get('/')
    def index(req):
        return render_template('index.html', name=req.args.get('name'))
"""
from microdot import Response

__all__ = ('init_templates', 'render_template', 'Rendered', 'Loader',
           'TemplateSyntaxError', 'TemplateNotFound')


class TemplateSyntaxError(ValueError):
    """A template that cannot be compiled; the message names file and line."""

    def __init__(self, message, name='<template>', line=None):
        super(TemplateSyntaxError, self).__init__('%s: %s' % (
            name if line is None else '%s, line %d' % (name, line), message))
        self.name = name
        self.line = line


class TemplateNotFound(OSError):
    """No template file of that name in the template directory."""


class Loader:
    """Loads templates from a directory, compiling each once.

    ``pkg`` is accepted for compatibility with utemplate's loaders and
    ignored. ``cache`` maps template names to render functions; templates
    edited on disk are not recompiled (make a new Loader).
    """

    def __init__(self, pkg=None, dir='templates'):
        self.template_dir = dir
        self.cache = {}
        self._globals = {}  # one for all its render functions: RAM

    def path(self, name):
        """The file path of a template."""
        if not self.template_dir or self.template_dir.endswith('/'):
            return self.template_dir + name
        return self.template_dir + '/' + name

    def load(self, name):
        """Return the render function of a template."""
        render = self.cache.get(name)
        if render is None:
            # the compiler is loaded only when a template needs compiling
            from _microdot_template import compile_template
            path = self.path(name)
            try:
                with open(path, 'rb') as f:
                    source = f.read().decode()
            except OSError:
                raise TemplateNotFound('template not found: ' + path)
            render = self.cache[name] = compile_template(
                source, path, self.render, self._globals)
        return render

    def render(self, name, *args, **kwargs):
        """Render a template: a generator of str chunks."""
        return self.load(name)(*args, **kwargs)


try:
    from utemplate import recompile as _utemplate  # the real package
    _default_loader_class = _utemplate.Loader
except ImportError:
    _default_loader_class = Loader

_loader = None


def init_templates(template_dir='templates', loader_class=None):
    """Set the directory templates are loaded from (``templates``).

    This also empties the compiled template cache. ``loader_class`` is
    called as ``loader_class(None, template_dir)`` and must have
    ``load(name)`` returning a render function, like utemplate's loaders.

    Example::

        init_templates('my_templates')
    """
    global _loader
    _loader = (loader_class or _default_loader_class)(None, template_dir)


def content_type_for(name):
    """The Content-Type for a template's extension, from
    ``Response.types_map`` or the other types ``send_file`` knows, with a
    UTF-8 charset; None if unknown."""
    extension = name.rsplit('.', 1)[-1].lower() if '.' in name else ''
    content_type = Response.types_map.get(extension)
    if content_type is None:  # rarer: .htm, .svg, .xml...
        from _microdot_files import more_type
        content_type = more_type(extension)
    if content_type is None or 'charset=' in content_type:
        return content_type
    return content_type + '; charset=UTF-8'


class Rendered:
    """A template's output: an iterator of str chunks, made as it is read.

    Returned by ``render_template``; a handler returns it as the response
    body, which streams it. ``content_type`` is guessed from the template's
    extension (``text/html; charset=UTF-8`` for ``.html``), None if unknown.
    """

    def __init__(self, chunks, content_type=None):
        self.chunks = chunks
        self.content_type = content_type

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        """Stop rendering (the response calls this when it is done)."""
        if hasattr(self.chunks, 'close'):
            self.chunks.close()


def render_template(template, *args, **kwargs):
    """Render a template; returns a ``Rendered`` iterator of str chunks.

    ``template`` is a file name relative to the templates directory; the
    other arguments are passed to the template's ``{% args %}``. Raises
    ``TemplateNotFound`` or ``TemplateSyntaxError`` (compile errors) and
    ``TypeError`` for arguments the template does not declare.

    Example::

        return render_template('page.html', title='Home')
    """
    if _loader is None:
        init_templates()
    return Rendered(_loader.load(template)(*args, **kwargs),
                    content_type_for(template))
