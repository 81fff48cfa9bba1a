// Tests against the real broker join consumer groups and start services: seconds, not milliseconds.
jest.setTimeout(120000);
