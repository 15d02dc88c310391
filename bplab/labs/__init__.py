"""Pure widget models: state and computation, no ipywidgets and no drawing."""
