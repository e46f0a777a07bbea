"""Render HTML templates with Jinja (CPython only).

HTML escaping is on for ``.html``, ``.htm`` and ``.xml`` templates (and
templates from strings); mark trusted HTML with Jinja's ``|safe`` filter.

Example::

    from microdot_jinja import render_template

    @app.get('/')
    def index(req):
        return render_template('index.html', name='world')
"""
try:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
except ImportError:
    raise ImportError('microdot_jinja needs Jinja2: '
                      'pip install "microdot[jinja]"') from None

from microdot_utemplate import content_type_for

__all__ = ['init_templates', 'render_template', 'Rendered']

_environment = None


def init_templates(template_dir='templates', **options):
    """Set the templates directory (``templates``) and Jinja options.

    ``options`` go to ``jinja2.Environment``; by default ``autoescape`` is
    ``select_autoescape()`` (on for html, htm and xml) and ``loader`` a
    ``FileSystemLoader(template_dir)``.

    Example::

        init_templates('my_templates', trim_blocks=True)
    """
    global _environment
    options.setdefault('loader', FileSystemLoader(template_dir))
    options.setdefault('autoescape', select_autoescape())
    _environment = Environment(**options)


def get_environment():
    """The ``jinja2.Environment`` in use (to add filters or globals)."""
    if _environment is None:
        init_templates()
    return _environment


class Rendered(str):
    """A rendered template: a str with a ``content_type`` guessed from the
    template's extension (None if unknown)."""
    content_type = None


def render_template(template, *args, **kwargs):
    """Render a template to a str.

    ``template`` is a file name relative to the templates directory; the
    other arguments become the template's variables, as with
    ``jinja2.Template.render``. A missing template raises
    ``jinja2.TemplateNotFound``.

    Example::

        return render_template('page.html', title='Home')
    """
    text = Rendered(get_environment().get_template(template).render(
        *args, **kwargs))
    text.content_type = content_type_for(template)
    return text
