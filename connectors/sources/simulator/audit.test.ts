import { bucketMs } from './anomalies.js';
import { generateAuditHour } from './audit.js';
import { parseSimulatorConfig } from './config.js';
import { createWorld } from './world.js';

const start = Date.UTC(2026, 2, 1, 12);

function enterprise() {
  const world = createWorld(parseSimulatorConfig({ seed: 'audit', plans: ['enterprise'] }), start);
  const organization = world.zones[0]?.organizations[0];
  if (!organization?.auditLogs) throw new Error('expected an Enterprise organization');
  return { world, organization };
}

describe('audit entries', () => {
  const bucket = Math.floor(start / bucketMs);

  it('gives the same entries with the opt-in knobs at their defaults', () => {
    const { world, organization } = enterprise();
    const plain = generateAuditHour(world.seed, organization, bucket);
    expect(plain.length).toBeGreaterThan(0);
    expect(generateAuditHour(world.seed, organization, bucket, { eventsPerHour: 6, lateRate: 0 })).toEqual(plain);
  });

  it('scales with eventsPerHour', () => {
    const { world, organization } = enterprise();
    const busy = [bucket, bucket + 1, bucket + 2].flatMap((b) =>
      generateAuditHour(world.seed, organization, b, { eventsPerHour: 120 }),
    );
    expect(busy.length).toBeGreaterThan(250);
    expect(busy.length).toBeLessThan(470);
  });

  it('late entries keep their ids and trigger time and are listed later', () => {
    const { world, organization } = enterprise();
    const plain = generateAuditHour(world.seed, organization, bucket, { eventsPerHour: 120 });
    const late = generateAuditHour(world.seed, organization, bucket, {
      eventsPerHour: 120,
      lateRate: 0.5,
      lateDelaySeconds: [60, 240],
    });
    expect(late.map((e) => [e.uuid, e.imtId, e.triggeredAt])).toEqual(
      plain.map((e) => [e.uuid, e.imtId, e.triggeredAt]),
    );
    const delays = late.map((entry, index) => entry.createdAt - (plain[index]?.createdAt ?? 0));
    const delayed = delays.filter((delay) => delay > 0);
    expect(delayed.length).toBeGreaterThan(plain.length * 0.3);
    expect(delayed.length).toBeLessThan(plain.length * 0.7);
    for (const delay of delayed) {
      expect(delay).toBeGreaterThanOrEqual(60_000);
      expect(delay).toBeLessThanOrEqual(240_000);
    }
  });
});
