import { HttpStatus } from '@nestjs/common';
import { AppException, ErrorDetail } from '@app/common';

export enum CampaignsErrorCode {
  CampaignNotFound = 'CAMPAIGN_NOT_FOUND',
  InvalidCampaign = 'CAMPAIGN_INVALID',
  InvalidState = 'CAMPAIGN_INVALID_STATE',
  QuotaInsufficient = 'CAMPAIGN_QUOTA_INSUFFICIENT',
}

export class CampaignsException extends AppException<CampaignsErrorCode> {
  static notFound(id: string): CampaignsException {
    return new CampaignsException(
      CampaignsErrorCode.CampaignNotFound,
      HttpStatus.NOT_FOUND,
      `Campaign ${id} not found`,
    );
  }

  static invalid(details: ErrorDetail[]): CampaignsException {
    return new CampaignsException(
      CampaignsErrorCode.InvalidCampaign,
      HttpStatus.BAD_REQUEST,
      'The campaign is invalid',
      details,
    );
  }

  static invalidState(message: string): CampaignsException {
    return new CampaignsException(CampaignsErrorCode.InvalidState, HttpStatus.CONFLICT, message);
  }
}
