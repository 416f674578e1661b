/**
 * Configuration of a syslog destination (`sinks.syslog` in makestream.yaml). One sink per
 * destination; several destinations are several entries with distinct names.
 */
import { z } from 'zod';
import { sinkRuntimeConfigSchema } from '../../../pipeline/sink/config.js';

/** TLS settings (RFC 5425). Files are re-read when they change (certificate rotation). */
export const syslogTlsSchema = z
  .strictObject({
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file of the CA(s) that signed the receiver (default: the system CAs).'),
    certFile: z.string().min(1).optional().describe('PEM client certificate, when the receiver asks for one.'),
    keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe('Name the receiver certificate must carry (SNI and verification); default: host.'),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe('Refuse receivers whose certificate does not verify. Only turn off for tests.'),
    reloadOnChange: z
      .boolean()
      .default(true)
      .describe('Reconnect with the new files when a certificate or key file changes.'),
  })
  .describe('TLS to the receiver (transport tls).');

/** One syslog destination. */
export const syslogSinkConfigSchema = sinkRuntimeConfigSchema
  .extend({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .default('syslog')
      .describe('Sink name: consumer group makestream.sink.<name>, DLQ makestream.dlq.<name>.'),
    host: z.string().min(1).default('127.0.0.1').describe('Receiver host.'),
    port: z.number().int().min(1).max(65_535).describe('Receiver port (6514 is TLS, 514 UDP/TCP by convention).'),
    transport: z
      .enum(['tcp', 'tls', 'udp', 'relp'])
      .default('tls')
      .describe(
        'tls: RFC 5425 (octet counting); tcp: RFC 6587; udp: RFC 5426, one message per datagram, no delivery guarantee; relp: RELP over TCP, acknowledged per message (rsyslog imrelp).',
      ),
    framing: z
      .enum(['octet-counting', 'newline'])
      .default('octet-counting')
      .describe(
        'TCP framing: octet counting (RFC 6587 §3.4.1) or one message per line (line breaks in a message are written as \\n).',
      ),
    format: z
      .enum(['rfc5424', 'cef', 'leef', 'rfc3164'])
      .default('rfc5424')
      .describe(
        'rfc5424: the message text with Make context in structured data; cef / leef: that line as the RFC 5424 MSG; rfc3164: legacy BSD syslog.',
      ),
    facility: z.number().int().min(0).max(23).default(16).describe('Syslog facility (16 = local0).'),
    appName: z.string().min(1).default('makestream').describe('APP-NAME (RFC 5424) or TAG (RFC 3164).'),
    hostname: z.string().min(1).optional().describe("HOSTNAME field; default: the record's Make zone."),
    maxMessageBytes: z
      .number()
      .int()
      .min(480)
      .optional()
      .describe(
        "Longest message; longer ones are cut and marked. Default: 2048 on UDP (RFC 5426), 8192 otherwise (rsyslog's default).",
      ),
    connectTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(5000)
      .describe('Give up connecting after this long (retried with backoff).'),
    ackTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Give up waiting for a write (or RELP acknowledgement) after this long.'),
    tls: syslogTlsSchema.optional(),
    topics: z
      .array(z.string().min(1))
      .min(1)
      .default(['make.logs.enriched.v1'])
      .describe('Topics whose records are sent (EnrichedLog values).'),
  })
  .superRefine((config, context) => {
    if (config.transport === 'tls' && config.framing !== 'octet-counting') {
      context.addIssue({
        code: 'custom',
        path: ['framing'],
        message: 'TLS (RFC 5425) requires octet-counting framing',
      });
    }
  })
  .describe('A syslog receiver: rsyslog, syslog-ng, a SIEM collector.');

/** A syslog destination as written in the config. */
export type SyslogSinkConfigInput = z.input<typeof syslogSinkConfigSchema>;
/** A syslog destination with defaults applied. */
export type SyslogSinkConfig = z.output<typeof syslogSinkConfigSchema>;

/** The message size limit in effect. */
export function maxMessageBytes(config: SyslogSinkConfig): number {
  return config.maxMessageBytes ?? (config.transport === 'udp' ? 2048 : 8192);
}
