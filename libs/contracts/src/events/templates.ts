import { IsIn, IsInt, IsUrl, Min } from 'class-validator';
import { AGREEMENT_TYPES, AgreementType } from '../enums';
import { IsDateTime, IsGuid } from '../validators';

export class AgreementTemplatePublishedV1 {
  @IsGuid()
  templateId: string;

  @IsIn(AGREEMENT_TYPES)
  agreementType: AgreementType;

  /** Higher is newer, within one agreement type. */
  @IsInt()
  @Min(0)
  versionRank: number;

  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false })
  agreementLink: string;

  @IsDateTime()
  publishedAt: string;
}
