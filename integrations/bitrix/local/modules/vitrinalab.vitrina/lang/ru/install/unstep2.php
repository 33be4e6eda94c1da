<?php

$MESS['VITRINALAB_VITRINA_UNSTEP_DONE'] = 'Модуль удалён.';
