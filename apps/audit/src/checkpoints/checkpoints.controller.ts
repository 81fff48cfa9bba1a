import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform';
import type { AuditConfig } from '../audit-config';
import { AuditErrors } from '../log/audit-errors';
import { AUDIT_CONFIG, AuditCheckpoints } from './audit-checkpoints';
import { CHECKPOINT_FORMAT, checkpointText } from './checkpoint';

export class SignedCheckpointDto {
  @ApiProperty({ description: 'The sequence of the chain head that was signed.' }) sequence: number;
  @ApiProperty({ description: "hex SHA-256: the chain's hash at that sequence." }) hash: string;
  @ApiProperty({ format: 'date-time', description: 'When it was signed.' }) at: string;
  @ApiProperty({ description: '`sha256:` and the hex SHA-256 of the public key (DER SubjectPublicKeyInfo).' })
  keyId: string;
  @ApiProperty({ description: 'base64 Ed25519 signature of `signedText`.' }) signature: string;
  @ApiProperty({ example: 'Ed25519' }) algorithm: 'Ed25519';
  @ApiProperty({
    description: `The signed text: ${CHECKPOINT_FORMAT}, sequence, hash, at and keyId, one a line.`,
  })
  signedText: string;
  @ApiProperty({ description: 'The public key to check the signature with, PEM (SubjectPublicKeyInfo).' })
  publicKey: string;
}

/** U-07: the signed checkpoints of the chain head, for auditors to keep outside the database. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/checkpoints')
export class CheckpointsController {
  constructor(
    private readonly checkpoints: AuditCheckpoints,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
  ) {}

  @Get('latest')
  @Roles('Auditor')
  @ApiOperation({
    summary: 'The latest signed checkpoint of the chain head, with the public key that checks it (U-07).',
    description:
      'Signed with Ed25519 when the service starts, every AUDIT_CHECKPOINT_INTERVAL_MS while the log grows, and ' +
      'when it stops. Keep them: a later export must hold the same hash at the same sequence.',
  })
  @ApiResponse({ status: 200, type: SignedCheckpointDto })
  @ApiResponse({ status: 404, description: 'No checkpoint signed with the configured key yet (610406).' })
  async latest(): Promise<SignedCheckpointDto> {
    const checkpoint = await this.checkpoints.latest();
    if (!checkpoint) throw AuditErrors.checkpointNotFound();
    const { signature, ...signed } = checkpoint;
    return {
      ...checkpoint,
      algorithm: 'Ed25519',
      signedText: checkpointText(signed),
      publicKey: this.config.publicKeyPem,
      signature,
    };
  }
}
