// A module that throws while loading: the CLI's usage-error exit (2), not a failing store (1).
throw new Error('the database URL is not set');
