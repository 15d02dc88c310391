"""Figure builders: build a matplotlib figure once, then update its artists."""
