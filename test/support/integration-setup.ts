// Integration tests talk to real servers: allow for JVM warm-up and first-time topic creation.
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
