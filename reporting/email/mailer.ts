import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';

// Outgoing mail over SMTP_URL. nodemailer reads the scheme: smtp:// speaks plain SMTP (upgrading
// with STARTTLS when the server offers it), smtps:// is TLS from the first byte.

export type Mailer = Transporter;

export function createMailer(smtpUrl: string): Mailer {
  return nodemailer.createTransport(smtpUrl);
}

/**
 * A Message-ID that is a pure function of what is sent: the same (run, report) always yields the
 * same id, so a receiving system, and we ourselves, can recognise a second copy.
 */
export function messageId(parts: string[], from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'govflow.localhost';
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);
  const label = parts[0]!.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 40);
  return `<${label}.${digest}@${domain}>`;
}
