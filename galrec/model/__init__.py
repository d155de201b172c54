"""The GAL-Rec module (METHOD.md, components 1, 3 and 4): mapping layers, heads, losses, queues."""
