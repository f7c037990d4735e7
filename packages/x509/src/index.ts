// Public API of @repoman/x509.
export {};
