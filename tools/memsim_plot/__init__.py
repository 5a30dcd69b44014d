"""memsim's plotting tool (tools/plot): compare.py draws a `memsim compare` folder, sweep.py a
`memsim sweep` folder; common.py holds what both share (the one figure saver, the style, the
error type)."""
