import { IsInt, IsString, Min, ValidateNested, validateSync } from 'class-validator';
import { Type, plainToInstance } from 'class-transformer';
import { HttpStatus, NotFoundException } from '@nestjs/common';
import { validationDetails } from './validation';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { AppException } from './app.exception';

class Item {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}
class Order {
  @IsString() id!: string;
  @ValidateNested({ each: true }) @Type(() => Item) items!: Item[];
}

describe('validationDetails', () => {
  it('names every bad field with its path', () => {
    const order = plainToInstance(Order, {
      id: 5,
      items: [
        { sku: 'a', quantity: 1 },
        { sku: 3, quantity: 0 },
      ],
    });
    const details = validationDetails(validateSync(order));
    expect(details).toEqual([
      { field: 'id', reason: 'id must be a string' },
      { field: 'items[1].sku', reason: 'sku must be a string' },
      { field: 'items[1].quantity', reason: 'quantity must not be less than 1' },
    ]);
  });
});

describe('AllExceptionsFilter', () => {
  const filter = new AllExceptionsFilter();

  it('keeps the code and details of an AppException', () => {
    const e = new AppException('MEMBER_NOT_FOUND', HttpStatus.NOT_FOUND, 'Member m1 not found');
    expect(filter.toResponse(e)).toEqual({
      status: 404,
      body: { error: { code: 'MEMBER_NOT_FOUND', message: 'Member m1 not found', details: [] } },
    });
  });

  it('maps Nest HTTP exceptions to the same shape', () => {
    expect(filter.toResponse(new NotFoundException('Cannot GET /x')).body.error.code).toBe('NOT_FOUND');
  });

  it('leaks nothing of an unexpected error', () => {
    const { status, body } = filter.toResponse(new Error('password=hunter2 at db.ts:12'));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(body.error.message).toBe('Internal server error');
  });
});
