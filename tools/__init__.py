"""Developer tools kept out of the runtime package (and so out of the wheel): generators of the demo
school, the synthetic schools and the docs pages. Run each from the repository root, e.g.
`python -m tools.docs`."""
