"""Rendering and delivering what the pipelines tell people."""
