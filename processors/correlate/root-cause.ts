/**
 * How an incident is described: its severity, its title and its likely root cause, from the facts
 * it accumulated. Deterministic: ties are broken by name.
 */
import type { Severity } from '../../schemas/generated/types.js';
import type { IncidentsConfig } from './config.js';
import type { IncidentFacts } from './incident-state.js';

/** Severity from how often and how widely the error occurs (the highest level any threshold reaches). */
export function severityOf(
  facts: Pick<IncidentFacts, 'occurrences' | 'affectedScenarioIds'>,
  config: Pick<IncidentsConfig, 'severity'>,
): Severity {
  const scenarios = facts.affectedScenarioIds.length;
  for (const level of ['critical', 'high', 'medium'] as const) {
    const threshold = config.severity[level];
    if (facts.occurrences >= threshold.occurrences || scenarios >= threshold.scenarios) {
      return level.toUpperCase() as Severity;
    }
  }
  return 'LOW';
}

/** One readable line: the error, where it happens and how widely. */
export function incidentTitle(facts: Pick<IncidentFacts, 'latest' | 'first' | 'affectedScenarioIds'>): string {
  const { latest } = facts;
  const where =
    latest.causeModuleName !== null
      ? ` in "${latest.causeModuleName}"${latest.causeModuleApp === null ? '' : ` (${latest.causeModuleApp})`}`
      : latest.causeModuleApp !== null
        ? ` in ${latest.causeModuleApp}`
        : '';
  const scenarios = facts.affectedScenarioIds.length;
  const spread =
    scenarios > 1
      ? ` across ${scenarios} scenarios`
      : facts.first.scenarioName !== null
        ? ` of "${facts.first.scenarioName}"`
        : ` of scenario ${facts.first.scenarioId}`;
  return `${latest.errorName}${where}${spread}`;
}

/**
 * The likely root cause in one sentence: the app or connection the failing executions share (for
 * connection, authentication, rate-limit, timeout and quota errors: the app's side or the
 * connection's credentials), else the first failing module most executions share; null when
 * nothing points to one.
 */
export function rootCauseOf(
  facts: Pick<IncidentFacts, 'latest' | 'affectedScenarioIds' | 'firstFailingModules'>,
): string | null {
  const { latest } = facts;
  const app = latest.causeModuleApp;
  const scenarios = facts.affectedScenarioIds.length;
  const shared = scenarios > 1 ? `shared by ${scenarios} scenarios` : 'used by the scenario';
  const module = mostCommonModule(facts.firstFailingModules);
  const moduleText = module === null ? null : describeModule(module);
  if (app !== null) {
    switch (latest.errorClass) {
      case 'AUTHENTICATION':
        return `The ${app} connection ${shared} is rejected (${latest.errorName}): its credentials are invalid or expired; reauthorise it.`;
      case 'CONNECTION':
        return `${app} cannot be reached (${latest.errorName}) from the app ${shared}: the service or the network path to it is down.`;
      case 'RATE_LIMIT':
        return `${app} throttles requests (${latest.errorName}): the app ${shared} exceeds its rate limit.`;
      case 'TIMEOUT':
        return `${app} answers too slowly (${latest.errorName}) for the app ${shared}.`;
      case 'QUOTA':
        return `A limit of ${app} or of the Make plan is exhausted (${latest.errorName}) for the app ${shared}.`;
      default:
        break;
    }
  }
  if (moduleText !== null) return `First failing module: ${moduleText} (${latest.errorName}).`;
  if (app !== null) return `The ${app} app ${shared} fails with ${latest.errorName}.`;
  return null;
}

function mostCommonModule(counts: Readonly<Record<string, number>>): [string | null, string | null] | null {
  let best: string | null = null;
  for (const key of Object.keys(counts).sort()) {
    if (best === null || (counts[key] ?? 0) > (counts[best] ?? 0)) best = key;
  }
  return best === null ? null : (JSON.parse(best) as [string | null, string | null]);
}

function describeModule([name, app]: [string | null, string | null]): string {
  if (name === null) return `a ${app} module`;
  return app === null ? `"${name}"` : `"${name}" (${app})`;
}
