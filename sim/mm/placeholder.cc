// SCAFFOLD: removed when the component's first real file lands.
