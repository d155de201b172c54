"""The user-item bipartite graph (training interactions only) and neighbour sampling."""
