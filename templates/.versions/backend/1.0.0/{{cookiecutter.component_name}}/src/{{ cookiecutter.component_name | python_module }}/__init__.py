"""The {{ cookiecutter.component_name }} service."""
