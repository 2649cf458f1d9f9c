import type { RegionPair } from '../../api/types.ts';
import { validateRegionPair as validateSpec } from '../../api/validate.ts';
import type { FieldError } from '../shared/lifecycle.ts';

/** What admission could not check (the CRD's CEL rules already ran). */
export function validateRegionPair(obj: RegionPair): FieldError[] {
  return validateSpec(obj.spec);
}
