// Work in progress: this package is being written (see its issue). It exports nothing yet.
export {};
