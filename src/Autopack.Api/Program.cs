// Placeholder entry point, replaced by the API host.
return 0;
