"""Activities: what staff did on a case, made of tasks with their type, the person involved, when and how long."""
