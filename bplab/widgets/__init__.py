"""ipywidgets wiring of the labs: controls -> model -> figure."""
