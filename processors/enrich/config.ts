/**
 * The enrich processor's configuration (section `processors.enrich`): a strict zod schema that is
 * also its documentation. Unknown fields are rejected; every field has a default, so no section at
 * all is a valid configuration (all built-in redaction rules on).
 */
import { z } from 'zod';
import { ConfigError } from '../../pipeline/errors/index.js';
import { builtInRedactionRules, type RedactionRule } from './redact.js';

const builtInNames = builtInRedactionRules.map((rule) => rule.name);

const customRuleSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'use lowercase letters, digits and dashes (it names the counter redacted.<name>)')
      .describe('Rule name: the marker [REDACTED:<name>] and the counter redacted.<name>. Example: "order-token".'),
    pattern: z
      .string()
      .min(1)
      .describe(
        'JavaScript regular expression of the values to replace; a named group `keep` is kept. Example: "(?<keep>order_token=)\\\\w+".',
      ),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'use only the flags i, m, s and u (g is always added)')
      .default('')
      .describe('Regular expression flags besides g (always on). Example: "i".'),
  })
  .describe('A custom redaction rule, run after the built-in ones.');

/** The configuration schema. */
export const enrichConfigSchema = z
  .strictObject({
    redaction: z
      .strictObject({
        disable: z
          .array(z.enum(builtInNames as [string, ...string[]]))
          .default([])
          .describe(`Built-in rules to turn off. Built-ins: ${builtInNames.join(', ')}. Example: ["iban"].`),
        rules: z.array(customRuleSchema).default([]).describe('Custom rules, run in order after the built-in ones.'),
      })
      .default({ disable: [], rules: [] })
      .describe('Redaction of secrets and personal data in messages, error messages and names.'),
    tags: z
      .array(z.string())
      .default([])
      .describe('Tags added to every enriched record (ECS tags). Example: ["production"].'),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .describe('Labels added to every enriched record (ECS labels). Example: {"environment": "production"}.'),
  })
  .describe('The enrich processor: joins executions with the scenario catalog, classifies and redacts.');

/** The configuration as users write it. */
export type EnrichConfigInput = z.input<typeof enrichConfigSchema>;

/** The configuration with defaults applied and the redaction rules compiled. */
export interface EnrichConfig extends z.output<typeof enrichConfigSchema> {
  /** The rules to run, in order: enabled built-ins, then custom rules. */
  readonly redactionRules: readonly RedactionRule[];
}

/** Validates `input` (undefined = all defaults); throws one ConfigError naming every bad field. */
export function parseEnrichConfig(input: unknown, prefix = 'processors.enrich'): EnrichConfig {
  const result = enrichConfigSchema.safeParse(input ?? {});
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`);
  if (!result.success) throw configError(problems);
  const config = result.data;
  const disabled = new Set(config.redaction.disable);
  const rules: RedactionRule[] = builtInRedactionRules.filter((rule) => !disabled.has(rule.name));
  const names = new Set(builtInNames);
  config.redaction.rules.forEach((rule, index) => {
    const field = `${prefix}.redaction.rules.${index}`;
    if (names.has(rule.name)) problems.push(`${field}.name: "${rule.name}" is already a rule name; choose another`);
    names.add(rule.name);
    try {
      const pattern = new RegExp(rule.pattern, `g${rule.flags}`);
      if (new RegExp(rule.pattern, rule.flags).test('')) {
        problems.push(`${field}.pattern: matches the empty string; it must match at least one character`);
      }
      rules.push({ name: rule.name, pattern });
    } catch (error) {
      problems.push(`${field}.pattern: not a valid regular expression (${(error as Error).message})`);
    }
  });
  if (problems.length > 0) throw configError(problems);
  return { ...config, redactionRules: rules };
}

function configError(problems: readonly string[]): ConfigError {
  return new ConfigError(`Invalid enrich configuration:\n  ${problems.join('\n  ')}`, {
    component: 'processors.enrich',
  });
}
