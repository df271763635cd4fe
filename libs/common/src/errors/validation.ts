import { ValidationError } from '@nestjs/common';
import { CommonException, ErrorDetail } from './app.exception';

/** Flattens class-validator's nested errors into `a.b[2].c` paths, one detail per reason. */
export function validationDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent === ''
        ? error.property
        : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field: path, reason }));
    return [...own, ...validationDetails(error.children ?? [], path)];
  });
}

export function validationExceptionFactory(errors: ValidationError[]): CommonException {
  return CommonException.validation(validationDetails(errors));
}
