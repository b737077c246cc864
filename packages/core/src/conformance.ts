// Placeholder: the backend conformance suite is being written (see issue 3).
export {};
