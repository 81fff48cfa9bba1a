/*
 * kafkajs's `ssl` and `sasl` options from KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, for the launcher's admin (kafka-admin.js), which runs
 * before any build. The twin of libs/platform/src/kafka-security.ts, which the services, tools,
 * benches and tests use: a unit test there holds the two to the same answers.
 * Plain CommonJS on purpose.
 */
'use strict';

const fs = require('fs');

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'];
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** Returns { security, problems }: security is undefined for a plain broker; problems name variables, never values. */
function readKafkaSecurity(env) {
  const problems = [];
  const problem = (variable, expected) => problems.push({ variable, expected });
  const value = (variable) => (env[variable] && env[variable].trim()) || undefined;

  const sslText = value('KAFKA_SSL') && value('KAFKA_SSL').toLowerCase();
  if (sslText !== undefined && sslText !== 'true' && sslText !== 'false')
    problem('KAFKA_SSL', 'must be true or false');
  const ssl = sslText === 'true';

  let ca;
  const caFile = value('KAFKA_SSL_CA_FILE');
  if (caFile !== undefined) {
    if (!ssl) problem('KAFKA_SSL_CA_FILE', 'needs KAFKA_SSL=true');
    try {
      ca = fs.readFileSync(caFile, 'utf8');
      if (!PEM_CERTIFICATE.test(ca)) problem('KAFKA_SSL_CA_FILE', 'must be a PEM file of CA certificates');
    } catch {
      problem('KAFKA_SSL_CA_FILE', 'must name a readable file');
    }
  }

  const mechanism = value('KAFKA_SASL_MECHANISM') && value('KAFKA_SASL_MECHANISM').toLowerCase();
  const username = value('KAFKA_SASL_USERNAME');
  const password = env.KAFKA_SASL_PASSWORD || undefined;
  let sasl;
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined)
      problem(
        'KAFKA_SASL_MECHANISM',
        `must be set with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (${MECHANISMS.join(', ')})`,
      );
  } else if (!MECHANISMS.includes(mechanism)) {
    problem('KAFKA_SASL_MECHANISM', `must be one of ${MECHANISMS.join(', ')}`);
  } else {
    if (username === undefined) problem('KAFKA_SASL_USERNAME', 'must be set with KAFKA_SASL_MECHANISM');
    if (password === undefined) problem('KAFKA_SASL_PASSWORD', 'must be set with KAFKA_SASL_MECHANISM');
    if (username !== undefined && password !== undefined) {
      sasl = { mechanism, username };
      Object.defineProperty(sasl, 'password', { value: password, enumerable: false });
    }
  }

  if (!ssl && !sasl) return { security: undefined, problems };
  const security = {};
  if (ssl) security.ssl = ca === undefined ? true : { ca: [ca] };
  if (sasl) security.sasl = sasl;
  return { security, problems };
}

module.exports = { readKafkaSecurity, MECHANISMS };
